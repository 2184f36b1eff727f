import { artifactTypes, securityLabels, securityOwners, tags } from './catalogue.js';
import { artifacts, cases, notes, tasks, workflowEvents } from './case-management.js';
import { nestedQueries } from './fields.js';
import type { ResourceDefinition } from './types.js';

/** Every v3 resource, by its path under /v3. */
export const RESOURCES: ReadonlyMap<string, ResourceDefinition> = new Map(
  [cases, tasks, notes, artifacts, workflowEvents, tags, securityLabels, artifactTypes, securityOwners].map((r) => [r.name, r]),
);

// Sub-queries join two resources, so they are completed here, once every resource is declared.
for (const resource of RESOURCES.values()) resource.nested = nestedQueries(resource, resourceNamed);

export function resourceNamed(name: string): ResourceDefinition {
  const resource = RESOURCES.get(name);
  if (!resource) throw new Error(`No resource declared as "${name}".`);
  return resource;
}
