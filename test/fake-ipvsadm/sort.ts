/**
 * The order `ipvsadm -L/-S` prints things in: glibc 2.36 qsort (a top-down merge sort for arrays
 * this size) driven by libipvs' comparators, which subtract unsigned 32-bit values and keep the
 * result as a signed int. That makes addresses or fwmarks more than 2^31 apart compare backwards and
 * the order non-transitive, so the exact merge sequence matters and is reproduced here.
 */
import { addrWords, parseStored } from './addr.js';
import type { DestState, ServiceState } from './kernel.js';

/** (int)(a - b) for two u32 values */
function subU32(a: number, b: number): number {
  return ((a - b) >>> 0) | 0;
}

/** glibc msort_with_tmp: n1 = n/2 left part, ties keep the left element first. */
export function glibcMergeSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const a = [...items];
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = Math.floor(n / 2);
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    const left = a.slice(lo, lo + n1);
    const right = a.slice(lo + n1, lo + n);
    const out: T[] = [];
    let i = 0;
    let j = 0;
    while (i < left.length && j < right.length) {
      if (cmp(left[i]!, right[j]!) <= 0) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
    while (i < left.length) out.push(left[i++]!);
    while (j < right.length) out.push(right[j++]!);
    for (let k = 0; k < n; k++) a[lo + k] = out[k]!;
  };
  sort(0, a.length);
  return a;
}

const AF_NUM = { inet: 2, inet6: 10 } as const;
const PROTO_NUM = { tcp: 6, udp: 17, sctp: 132 } as const;

function cmpWords(af: 'inet' | 'inet6', a: number[], b: number[]): number {
  if (af === 'inet6') {
    let r = 0;
    for (let i = 0; r === 0 && i < 4; i++) r = subU32(a[i]!, b[i]!);
    return r;
  }
  return subU32(a[0]!, b[0]!);
}

/** libipvs ipvs_cmp_services. fwmark services report protocol 0 and a zero address to userspace. */
export function cmpServices(s1: ServiceState, s2: ServiceState): number {
  let r = subU32(s1.fwmark, s2.fwmark);
  if (r !== 0) return r;
  r = AF_NUM[s1.af] - AF_NUM[s2.af];
  if (r !== 0) return r;
  const p1 = s1.fwmark ? 0 : PROTO_NUM[s1.protocol];
  const p2 = s2.fwmark ? 0 : PROTO_NUM[s2.protocol];
  r = p1 - p2;
  if (r !== 0) return r;
  const w1 = s1.fwmark ? [0, 0, 0, 0] : addrWords(parseStored(s1.addr));
  const w2 = s2.fwmark ? [0, 0, 0, 0] : addrWords(parseStored(s2.addr));
  r = cmpWords(s1.af, w1, w2);
  if (r !== 0) return r;
  return (s1.fwmark ? 0 : s1.port) - (s2.fwmark ? 0 : s2.port);
}

/** libipvs ipvs_cmp_dests: the first server's family decides how many address words are compared. */
export function cmpDests(d1: DestState, d2: DestState): number {
  const r = cmpWords(d1.af, addrWords(parseStored(d1.addr)), addrWords(parseStored(d2.addr)));
  if (r !== 0) return r;
  return d1.port - d2.port;
}
