export { webConfigShape, type WebConfig } from './config';
export { proxyTo, upstreamsOf, type Upstream } from './proxy';
export { buildClientBundle, type ClientBundle } from './bundle';
export { startWeb, mountWeb, shell, PAGES } from './web';
