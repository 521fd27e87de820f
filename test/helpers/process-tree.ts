import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Shared by the tests and the benchmark (bench/ imports it): nothing here may import vitest.
// Reads /proc as `ps` and `ss -tnp` do: what the kernel says, with nothing added to the server.

/** The processes whose parent is `pid` (a cluster primary's workers). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, then the parent's pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children.sort((a, b) => a - b);
}

export function isRunning(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) is not running.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Which of `pids` holds the server end of the loopback TCP connection from `clientPort` to
 * `serverPort` (IPv4), or null: the kernel's socket table gives the connection's inode, and the
 * owner is the process with a descriptor on it. A cluster's primary hands each connection on, so
 * this names the worker that serves a client.
 */
export function connectionOwner(serverPort: number, clientPort: number, pids: number[]): number | null {
  const inode = serverSideInode(serverPort, clientPort);
  if (inode === null) return null;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

function serverSideInode(serverPort: number, clientPort: number): string | null {
  const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [local, remote, state, inode] = [fields[1]!, fields[2]!, fields[3]!, fields[9]!];
    if (state === '01' && local.endsWith(`:${hexPort(serverPort)}`) && remote.endsWith(`:${hexPort(clientPort)}`))
      return inode;
  }
  return null;
}
