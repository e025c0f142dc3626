/** The collection: every function, by name. The pipeline and the docs read it; the lib does not. */
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import { generateDataMoverBackups } from './generate-datamover-backups/function.js';
import { generateDataMoverRestores } from './generate-datamover-restores/function.js';
import { quiesceWorkloads } from './quiesce-workloads/function.js';
import { remapNamespaceSubjects } from './remap-namespace-subjects/function.js';
import { rewriteImageRefs } from './rewrite-image-refs/function.js';
import { stripRouteHost } from './strip-route-host/function.js';
import { unquiesceWorkloads } from './unquiesce-workloads/function.js';

export const functions: ReadonlyArray<KrmFunction<SelectionConfig & never>> = [
  stripRouteHost as KrmFunction<SelectionConfig & never>,
  rewriteImageRefs as KrmFunction<SelectionConfig & never>,
  remapNamespaceSubjects as KrmFunction<SelectionConfig & never>,
  generateDataMoverBackups as KrmFunction<SelectionConfig & never>,
  generateDataMoverRestores as KrmFunction<SelectionConfig & never>,
  quiesceWorkloads as KrmFunction<SelectionConfig & never>,
  unquiesceWorkloads as KrmFunction<SelectionConfig & never>,
];
