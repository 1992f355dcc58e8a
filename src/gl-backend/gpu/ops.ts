// The commands beyond draws and clears, for GlContext: blits, copies, box and surface clears,
// queries, and depth/stencil uploads. They share a parameter ring and the after-submit queue.
import type { Logger } from '../../server/renderer.js';
import { AfterSubmit } from './after-submit.js';
import type { GpuBatch } from './batch.js';
import { GpuBlit } from './blit.js';
import { GpuCopy } from './copy.js';
import { DepthUpload } from './depth-upload.js';
import type { GlDevice } from './device-cache.js';
import { ParamRing } from './params.js';
import { GpuQueries } from './queries.js';
import type { GpuResources } from './resources.js';

export class GpuOps {
  readonly blit: GpuBlit;
  readonly copy: GpuCopy;
  readonly queries: GpuQueries;
  /** Reached from GpuResources.write through uploadDepthBox. */
  readonly depthUpload: DepthUpload;

  constructor(dev: GlDevice, resources: GpuResources, batch: GpuBatch, log: Logger) {
    const after = new AfterSubmit(batch);
    const params = new ParamRing(dev.device, batch);
    this.blit = new GpuBlit(dev, resources, batch, params, log);
    this.copy = new GpuCopy(dev, resources, batch, this.blit, after, log);
    this.depthUpload = new DepthUpload(dev, resources, this.blit, params, after);
    this.queries = new GpuQueries(dev, resources, batch, after, log);
  }
}
