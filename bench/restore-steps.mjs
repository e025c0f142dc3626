/**
 * The steps of pipelines/restore-openshift.yaml with the config each one gets from `krm-pipeline` for a
 * restore of `backup.yaml`/`backup.tar.gz` under a namespace mapping, so the per-item and kpt runs do the
 * same work: the step's `configMap`, plus the command-line and Restore-object fields
 * (`namespaceMapping`, `restoreName` = `<backup name>-restore`, `veleroNamespace` = `velero`) on the steps
 * whose schema declares them (lib/pipeline/run-step.ts, functionConfigOf).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from './inputs.mjs';

export const restorePipeline = join(projectRoot, 'pipelines/restore-openshift.yaml');

/**
 * @param namespaceMapping ConfigMap string form, `a=b,c=d`
 * @param binDir the folder of the function executables (dist/bin or a copy)
 * @returns [{ name, executable: absolute path in binDir, data: ConfigMap data }]
 */
export function restoreSteps(namespaceMapping, binDir) {
  const pipeline = parse(readFileSync(restorePipeline, 'utf8'));
  const overrides = { namespaceMapping, restoreName: 'backup-restore', veleroNamespace: 'velero' };
  return pipeline.pipeline.restore.mutators.map((step) => {
    const schema = JSON.parse(readFileSync(join(projectRoot, 'schemas', `${step.exec}.schema.json`), 'utf8'));
    const data = Object.fromEntries(Object.entries(step.configMap ?? {}).map(([key, value]) => [key, String(value)]));
    for (const [key, value] of Object.entries(overrides)) if (schema.properties?.[key]) data[key] = value;
    return { name: step.exec, executable: join(binDir, step.exec), data };
  });
}
