import type { Attributes } from '@opentelemetry/api';
import type { RawResourceAttribute, Resource } from '@opentelemetry/resources';

/**
 * A fixed set of resource attributes. The agent knows all of them at start, so it does not need the
 * resources package's detectors (loading it costs ~5 MB of RSS in every sidecar).
 */
export class StaticResource implements Resource {
  constructor(readonly attributes: Attributes) {}

  merge(other: Resource | null): Resource {
    return other ? new StaticResource({ ...this.attributes, ...other.attributes }) : this;
  }

  getRawAttributes(): RawResourceAttribute[] {
    return Object.entries(this.attributes);
  }
}
