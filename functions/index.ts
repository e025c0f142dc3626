/** The collection: every function, by name. The pipeline and the docs read it; the lib does not. */
import type { KrmFunction, SelectionConfig } from '../lib/krm-function.js';
import { remapNamespaceSubjects } from './remap-namespace-subjects/function.js';
import { stripRouteHost } from './strip-route-host/function.js';

export const functions: ReadonlyArray<KrmFunction<SelectionConfig & never>> = [
  stripRouteHost as KrmFunction<SelectionConfig & never>,
  remapNamespaceSubjects as KrmFunction<SelectionConfig & never>,
];
