/**
 * The admin portal's placeholder page, served at `/` by the embedded default until the portal lands. It
 * says plainly that the default targets are a simulation.
 */
export const PORTAL_PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hybrid cloud broker</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;line-height:1.5;padding:0 1rem}
code{background:#f3f3f3;padding:.1rem .3rem}.sim{background:#fff4d6;border:1px solid #e0b84a;padding:.6rem 1rem}</style>
</head><body>
<h1>Hybrid cloud broker</h1>
<p class="sim"><strong>Simulation.</strong> This broker runs on its embedded default: the targets are the in-process
<em>sandbox</em> cloud, not real clouds.</p>
<p>The admin portal is not built yet. Meanwhile:</p>
<ul>
<li><a href="/docs">API documentation</a> (<a href="/openapi.json">OpenAPI document</a>)</li>
<li>Get a token: <code>npx hcb token --tenant demo --roles admin</code></li>
<li>Targets: <code>GET /v1/targets</code> with <code>Authorization: Bearer &lt;token&gt;</code></li>
</ul>
</body></html>`;
