export const USAGE = `lvsync — declare your IPVS (LVS) table in YAML, plan and apply it with ipvsadm

Usage:
  lvsync validate PATH...
  lvsync plan PATH... [--live FILE|-] [--format text|json|markdown] [--json] [--diff] [--out PLAN.json]
                      [--detailed-exitcode] [--allow-mass-delete] [--health] [--lost-inventory delete|keep]
  lvsync plan PATH... --all-directors --live-dir DIR [--format text|json|markdown] [--detailed-exitcode]
  lvsync apply PATH... [--yes] [--per-command] [--allow-mass-delete] [--health] [--no-drain]
                       [--lost-inventory delete|keep]
  lvsync apply PLAN.json [--yes] [--per-command]
  lvsync export [--live FILE|-]
  lvsync import ipvsadm|keepalived|ldirectord PATH [--out FILE] [--keep-vrrp FILE]
  lvsync status [PATH...] [--stats] [--rate] [--json]
  lvsync realserver PATH... --address RIP [--check | --apply]
  lvsync fleet-check PATH... [--pair lb1,lb2 ...] [--json]
  lvsync watch PATH... [--interval 10s] [--detect-only] [--listen 127.0.0.1:9110] [--log-format auto|json|pretty]
                       [--health-concurrency N]

PATH is a YAML file or a directory of *.yaml/*.yml files, merged together.

Commands:
  validate   check YAML syntax, the JSON schema and lvsync's rules; print file:line:col diagnostics
  plan       show the minimal ipvsadm commands that turn the live table into the desired one
  apply      plan, confirm (on a terminal), apply in one 'ipvsadm -R' batch, re-read and verify
  export     print the live table as an lvsync YAML document (to adopt a hand-made director)
  import     turn another tool's configuration into an lvsync YAML document: an ipvsadm rules file
             (ipvsadm-save output, with or without -n), keepalived.conf or ldirectord.cf; the YAML
             on stdout, notes on stderr; exit 3 when the input is invalid
  status     the live table as people read it: each service, its real servers, weights, active and
             inactive connections; --stats adds counters, --rate the kernel's rates; with PATHs,
             names and whether each service is declared
  realserver on a dr/tun real server: print the ip/sysctl commands it needs (VIP on lo or a tunnel
             device, ARP suppression, rp_filter); --check reports what is missing (exit 1 if any),
             --apply runs what is missing
  fleet-check compare the desired tables of directors that must be identical (fleet.pairs or --pair);
             exit 1 if any pair differs (the sync daemon role may differ)
  watch      the director daemon: apply on config changes, detect and undo drift every --interval,
             serve /metrics, /healthz, /readyz and a status page; SIGHUP reloads, SIGTERM exits 0

Options:
  --live FILE|-          read a saved 'ipvsadm -S -n' text instead of running ipvsadm (no root needed);
                         a rules file with host and service names is read as 'ipvsadm -R' reads it
  --out FILE             import: write the YAML to FILE instead of stdout
  --keep-vrrp FILE       import keepalived: also write keepalived's configuration without its
                         virtual_server blocks to FILE (keepalived keeps VRRP, lvsync the IPVS table)
  --format FORMAT        text (default), json (a versioned document) or markdown (for a pull-request comment)
  --json                 same as --format json
  --out PLAN.json        also save the plan with digests of the desired and live tables; 'apply PLAN.json'
                         applies exactly that plan and refuses it if the config or the live table changed
  --live-dir DIR         plan: the live table is DIR/<director>.save (a directory of snapshots)
  --all-directors        plan: every director of the fleet, each from DIR/<name>.save, one section each
  --pair A,B             fleet-check: compare directors A and B (repeatable; default: the config's fleet.pairs)
  --diff                 also print a unified diff of the canonical save text, live vs desired
  --detailed-exitcode    exit 2 when the plan has changes
  --yes                  apply without asking (apply never prompts without a terminal)
  --per-command          run one ipvsadm process per command instead of one -R batch
  --allow-mass-delete    allow plans that delete more than scope.maxDeleteShare of owned services
  --health               plan/apply: run one round of the declared health checks first; failed real
                         servers are planned at weight 0 (or removed), with the reason
  --no-drain             apply: delete real servers at once instead of draining their active connections
  --lost-inventory WHAT  plan/apply, after the inventory was lost (a STATE_FILE warning): the live services
                         neither declared nor in the scope, which lvsync then keeps, were lvsync's
                         ('delete': adopt and delete them) or not ('keep': leave them); either ends the notice
  --interval DURATION    watch: how often to re-read the live table and correct drift (default 10s)
  --detect-only          watch: report drift and config changes, never change the kernel
  --listen HOST:PORT     watch: where to serve the endpoints (default 127.0.0.1:9110; 'off' for none)
  --log-format FORMAT    watch: auto (pretty on a terminal, else JSON lines), json or pretty
  --health-concurrency N watch: health checks in flight at most (default: what the open-file limit
                         allows, ulimit -n / LimitNOFILE= minus 512; exec checks at most 64)
  --address RIP          realserver: the real server's address as declared
  --check                realserver: report what is missing on this host; exit 1 if anything is
  --apply                realserver: run the missing commands (idempotent); exit 1 if anything is still missing
  --director NAME        whose part of the desired state applies (\`directors\`, \`overrides\`; also
                         LVSYNC_DIRECTOR; default: the host name)
  --ipvsadm PATH         the ipvsadm binary (also LVSYNC_IPVSADM; default: ipvsadm on PATH)
  --state-dir DIR        where the inventory, drains, health states and the apply lock live (also LVSYNC_STATE_DIR; default /var/lib/lvsync)
  --no-color             plain output (also NO_COLOR)
  -h, --help             this text
  --version              the version

Exit codes:
  0   success, or no changes
  1   any other failure (ipvsadm failed, partial apply, refused plan, lock held;
      realserver --check found something missing, --apply could not set it up;
      plan --all-directors is missing a snapshot; fleet-check found a difference)
  2   changes present (plan --detailed-exitcode only)
  3   invalid desired state (YAML, schema or rules); import: the input file is invalid
  64  usage error
`;
