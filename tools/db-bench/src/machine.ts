// A description of the machine a run happened on, for the report and the JSON.

import { cpus, totalmem, platform, release } from 'node:os';

/** What the results depend on besides the code. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  os: string;
}

/** This machine. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cpus: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

/** One line: "2 x AMD EPYC, 23.4 GiB, Node v20.20.2, linux 6.x". */
export function machineLine(m: MachineInfo): string {
  return `${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}
