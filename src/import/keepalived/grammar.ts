/**
 * The keywords keepalived 2.2.7 installs, per block, as far as the import reads them: which ones
 * exist (anything else is "Unknown keyword", a warning), and which ones open a block (keepalived then
 * wants `{`; without it the configuration fails `keepalived -t`: CONFIG_MISSING_BOB).
 *
 * Taken from the install_keyword*() calls of keepalived 2.2.7: check/check_parser.c
 * (init_check_keywords), check/check_api.c (install_checker_common_keywords), check/check_tcp.c,
 * check_http.c (install_http_ssl_check_keyword), check_misc.c, check_smtp.c, check_dns.c,
 * check_ping.c, check_udp.c, check_file.c, check_bfd.c, core/global_parser.c (init_global_keywords),
 * vrrp/vrrp_parser.c, bfd/bfd_parser.c and trackers/track_file.c (the roots).
 *
 * Blocks the import does not look into (VRRP, BFD, the checkers lvsync has no equivalent for) are
 * `opaque`: their braces are followed, their words are not judged.
 */

export type Body =
  /** a keyword without a block */
  | { readonly kind: 'leaf' }
  /** a block of keywords the import knows */
  | { readonly kind: 'block'; readonly context: Context }
  /** a block of values, one per line (virtual_server_group, notification_email: alloc_value_block) */
  | { readonly kind: 'values' }
  /** a block whose contents the import does not judge */
  | { readonly kind: 'opaque' };

export interface Context {
  readonly name: string;
  readonly keywords: ReadonlyMap<string, Body>;
}

const LEAF: Body = { kind: 'leaf' };
const VALUES: Body = { kind: 'values' };
const OPAQUE: Body = { kind: 'opaque' };

function context(name: string, leaves: readonly string[], blocks: Readonly<Record<string, Body>> = {}): Context {
  const keywords = new Map<string, Body>();
  for (const k of leaves) keywords.set(k, LEAF);
  for (const [k, body] of Object.entries(blocks)) keywords.set(k, body);
  return { name, keywords };
}

const block = (c: Context): Body => ({ kind: 'block', context: c });

// install_checker_common_keywords(true): the connection options, then the timing ones
const CONNECTION = ['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'connect_timeout', 'fwmark'];
const TIMING = ['retry', 'delay_before_retry', 'warmup', 'delay_loop', 'alpha', 'log_all_failures'];

const URL = context('url', ['path', 'digest', 'status_code', 'virtualhost', 'regex', 'regex_no_match', 'regex_options', 'regex_min_offset', 'regex_max_offset', 'regex_stack']);

const HTTP = (name: string) => context(name, [...CONNECTION, ...TIMING, 'nb_get_retry', 'virtualhost', 'http_protocol', 'enable_sni', 'fast_recovery'], { url: block(URL) });

export const CHECKERS: Readonly<Record<string, Body>> = {
  TCP_CHECK: block(context('TCP_CHECK', [...CONNECTION, ...TIMING])),
  HTTP_GET: block(HTTP('HTTP_GET')),
  SSL_GET: block(HTTP('SSL_GET')),
  MISC_CHECK: block(context('MISC_CHECK', [...TIMING, 'misc_path', 'misc_timeout', 'misc_dynamic', 'user'])),
  // no lvsync equivalent: read as opaque blocks, kept as comments
  SMTP_CHECK: OPAQUE,
  DNS_CHECK: OPAQUE,
  PING_CHECK: OPAQUE,
  UDP_CHECK: OPAQUE,
  FILE_CHECK: OPAQUE,
  BFD_CHECK: OPAQUE,
};

export const REAL_SERVER = context('real_server', [
  'weight', 'lvs_method', 'uthreshold', 'lthreshold', 'inhibit_on_failure', 'notify_up', 'notify_down', 'alpha',
  'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'smtp_alert', 'virtualhost', 'snmp_name',
], CHECKERS);

export const VIRTUAL_SERVER = context('virtual_server', [
  'ip_family', 'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'inhibit_on_failure',
  'lb_algo', 'lvs_sched', 'hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback',
  'lb_kind', 'lvs_method', 'persistence_engine', 'persistence_timeout', 'persistence_granularity', 'protocol',
  'ha_suspend', 'smtp_alert', 'virtualhost', 'snmp_name', 'alpha', 'omega', 'quorum_up', 'quorum_down', 'quorum',
  'hysteresis', 'weight', 'sorry_server', 'sorry_server_inhibit', 'sorry_server_lvs_method',
], { real_server: block(REAL_SERVER) });

export const GLOBAL_DEFS = context('global_defs', [
  'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name', 'lvs_process_name', 'bfd_process_name',
  'router_id', 'notification_email_from', 'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout', 'smtp_alert',
  'startup_script', 'startup_script_timeout', 'shutdown_script', 'shutdown_script_timeout', 'max_auto_priority',
  'min_auto_priority_delay', 'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures', 'dynamic_interfaces',
  'no_email_faults', 'default_interface', 'disable_local_igmp', 'lvs_timeouts', 'lvs_flush', 'lvs_flush_on_stop',
  'lvs_flush_onstop', 'lvs_sync_daemon', 'vrrp_mcast_group4', 'vrrp_mcast_group6', 'vrrp_garp_master_delay',
  'vrrp_garp_master_repeat', 'vrrp_garp_master_refresh', 'vrrp_garp_master_refresh_repeat', 'vrrp_garp_lower_prio_delay',
  'vrrp_garp_lower_prio_repeat', 'vrrp_down_timer_adverts', 'vrrp_garp_interval', 'vrrp_gna_interval', 'vrrp_min_garp',
  'vrrp_garp_extra_if', 'vrrp_vmac_garp_intvl', 'vrrp_lower_prio_no_advert', 'vrrp_higher_prio_send_advert',
  'vrrp_version', 'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex', 'nftables_ipvs',
  'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark', 'nftables_counters', 'vrrp_check_unicast_src',
  'vrrp_skip_check_adv_addr', 'vrrp_strict', 'vrrp_priority', 'vrrp_no_swap', 'vrrp_rt_priority', 'vrrp_cpu_affinity',
  'vrrp_rlimit_rttime', 'vrrp_rlimit_rtime', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo',
  'vrrp_notify_fifo_script', 'vrrp_notify_priority_changes', 'fifo_write_vrrp_states_on_reload', 'lvs_notify_fifo',
  'lvs_notify_fifo_script', 'checker_priority', 'checker_no_swap', 'checker_rt_priority', 'checker_cpu_affinity',
  'checker_rlimit_rttime', 'checker_rlimit_rtime', 'bfd_priority', 'bfd_no_swap', 'bfd_rt_priority', 'bfd_cpu_affinity',
  'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'snmp_socket', 'enable_traps', 'enable_snmp_vrrp', 'enable_snmp_keepalived',
  'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_checker', 'enable_dbus', 'dbus_service_name',
  'script_user', 'enable_script_security', 'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs',
  'process_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'rs_init_notifies', 'no_checker_emails',
  'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_startup_delay', 'log_unknown_vrids', 'vmac_prefix',
  'vmac_addr_prefix', 'umask', 'random_seed', 'reload_check_config', 'reload_time_file', 'reload_repeat', 'reload_file',
  'include_check', 'config_save_dir', 'tmp_config_directory', 'data_use_instance',
], { notification_email: VALUES });

// SSL { password; ca; certificate; key } of check_parser.c: client certificates for SSL_GET
const SSL = context('SSL', ['password', 'ca', 'certificate', 'key']);

export const TOP = context('top', [
  'linkbeat_use_polling', 'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance',
  'child_wait_time',
], {
  global_defs: block(GLOBAL_DEFS),
  virtual_server: block(VIRTUAL_SERVER),
  virtual_server_group: VALUES,
  SSL: block(SSL),
  // VRRP and the other processes: they stay with keepalived
  vrrp_instance: OPAQUE, vrrp_sync_group: OPAQUE, vrrp_script: OPAQUE, vrrp_track_process: OPAQUE,
  static_ipaddress: OPAQUE, static_routes: OPAQUE, static_rules: OPAQUE, track_group: OPAQUE, garp_group: OPAQUE,
  linkbeat_interfaces: OPAQUE, interface_up_down_delays: OPAQUE, track_file: OPAQUE, vrrp_track_file: OPAQUE,
  bfd_instance: OPAQUE,
});
