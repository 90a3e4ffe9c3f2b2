/** Remix classic compiler settings. `research/` is watched so the dev server reloads on domain changes. */
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}", "**/*.spec.{ts,tsx}"],
  serverModuleFormat: "esm",
  watchPaths: ["./research"],
  // wink-nlp and its model are CommonJS; bundling them keeps ESM interop predictable.
  serverDependenciesToBundle: [/^d3/, /^internmap/, /^delaunator/, /^robust-predicates/],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
