/**
 * @module bench/harness/machine-info — where the numbers were measured: benchmark results are
 * meaningless without the CPU, core count and runtime next to them.
 */
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from "node:os";

export interface MachineInfo {
  readonly cpuModel: string;
  /** Logical CPUs this process may use. */
  readonly cores: number;
  readonly node: string;
  readonly v8: string;
  readonly os: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started: a busy machine skews results. */
  readonly loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  const models = [...new Set(cpuList.map((c) => c.model.trim()))];
  return {
    cpuModel: models.join(" + ") || "unknown",
    cores: availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    os: `${platform()} ${release()} ${arch()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}
