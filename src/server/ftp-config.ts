// vsftpd on a server node (topology `ftp: true`): its config and the plan's process step that runs it (paper 3.1: protocols that carry addresses).
import type { ProcessStep } from '../plan/types.js';
import type { ServerNode, Topology } from '../topology/types.js';

/** The FTP process of a server node (its log: <node>-ftp.log). */
export const FTP_PROCESS = 'ftp';
/** The one file anonymous users may read; its content is the server's name. */
export const FTP_FILE = 'oneip.txt';
/** The passive data ports (vsftpd pasv_min_port..pasv_max_port). */
export const FTP_PASV_PORTS = { min: 40000, max: 40099 } as const;

/**
 * vsftpd's config, per related-work.md's FTP section: standalone in the foreground, anonymous read-only of one
 * file, active data from port 20 of the address the control connection reached (the ghost, on every server),
 * passive ports 40000-40099, and in containers no seccomp sandbox and no network isolation.
 */
export function vsftpdConfig(): string {
  return [
    'listen=YES',
    'listen_ipv6=NO',
    'background=NO',
    'anonymous_enable=YES',
    'no_anon_password=YES',
    'anon_root={dir}/ftp',
    'local_enable=NO',
    'write_enable=NO',
    'anon_upload_enable=NO',
    'anon_mkdir_write_enable=NO',
    'dirmessage_enable=NO',
    'xferlog_enable=NO',
    'syslog_enable=NO',
    'connect_from_port_20=YES',
    'port_enable=YES',
    'pasv_enable=YES',
    `pasv_min_port=${FTP_PASV_PORTS.min}`,
    `pasv_max_port=${FTP_PASV_PORTS.max}`,
    'seccomp_sandbox=NO',
    'isolate_network=NO',
    'secure_chroot_dir={dir}/ftp-empty',
  ].join('\n');
}

/** The server's vsftpd as a process step of its plan: config and file under {dir}, ready once port 21 listens. */
export function ftpProcessStep(_t: Topology, server: ServerNode): ProcessStep {
  return {
    kind: 'process',
    name: FTP_PROCESS,
    // vsftpd wants its secure_chroot_dir to exist and stay empty: made here, not as a file
    argv: ['sh', '-c', 'mkdir -p {dir}/ftp-empty && exec vsftpd {dir}/vsftpd.conf'],
    files: [
      { path: 'vsftpd.conf', text: vsftpdConfig() },
      { path: `ftp/${FTP_FILE}`, text: server.name },
    ],
    ready: { argv: ['sh', '-c', "ss -ltnH 'sport = :21' | grep -q ."] },
    comment: `FTP (ftp: true): vsftpd, anonymous read-only ${FTP_FILE}, active data from port 20, passive ports ${FTP_PASV_PORTS.min}-${FTP_PASV_PORTS.max}`,
  };
}
