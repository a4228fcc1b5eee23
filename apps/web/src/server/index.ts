export { webConfigShape, upstreamList, type WebConfig } from './config';
export { proxyTo, upstreamsOf, UpstreamPool, type Upstream } from './proxy';
export { buildClientBundle, type ClientBundle } from './bundle';
export { startWeb, mountWeb, shell, manifest, buildWebAssets, PAGES, type WebAssets, type ShellLinks } from './web';
export { pickEncoding, textAsset, sendAsset, type Asset } from './compression';
