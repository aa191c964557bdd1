/**
 * Finds a Python for a benchmark's reference run. Debian's python3-torch and
 * python3-optuna install for the system interpreter, which a pyenv or venv `python3`
 * earlier on the PATH can shadow, so both are tried.
 */
import { spawnSync } from 'node:child_process';

/** The first interpreter that can import `module` (an explicit one only, when given), or why none could. */
export function findPython(module: string, explicit?: string): { python?: string; version?: string; reason: string } {
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const reasons: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim(), reason: `${module} ${probe.stdout.trim()} (${python})` };
    reasons.push(`${python}: ${probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? 'failed')}`);
  }
  return { reason: reasons.join('; ') };
}
