import { createRequire } from 'node:module';
import os from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  redis: string | null;
  socketIo: string;
  kernel: string;
  /** 1-minute load average when the run started: the machine is shared, so this says how quiet it was. */
  loadAtStart: number;
}

export function describeMachine(redisVersion: string | null): Machine {
  const require = createRequire(import.meta.url);
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: redisVersion,
    socketIo: (require('socket.io/package.json') as { version: string }).version,
    kernel: os.release(),
    loadAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function machineLine(m: Machine): string {
  return (
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ` +
    `Redis ${m.redis ?? 'not used'}, socket.io ${m.socketIo}, Linux ${m.kernel}, load average at start ${m.loadAtStart}`
  );
}
