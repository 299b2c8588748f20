// Browser testing support: the real query service over seeded storage, Debian Chromium, the built UI.
export { buildUi, UI_ROOT } from './build-ui.js';
export { CHROMIUM_PATH, launchChromium } from './chromium.js';
export type { Chromium } from './chromium.js';
export { startSeededService } from './service.js';
export type { SeededService } from './service.js';
export { startStaticServer } from './static-server.js';
export type { StaticServer } from './static-server.js';
export {
  EXPECTED_NODE_HEALTH,
  HOPS,
  NAMESPACE,
  OFF_PATH_SPAN,
  seedWorld,
  TRACE_ID,
  TRACE_SPANS,
} from './world.js';
export type { SeededWorld } from './world.js';
