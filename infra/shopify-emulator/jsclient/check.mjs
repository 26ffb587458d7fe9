// Runs Shopify's official Admin API client (@shopify/admin-api-client) against
// a running Shopify emulator and prints one JSON object with what it saw.
//
//   EMULATOR_URL=http://127.0.0.1:8081 node check.mjs
//
// The client always builds https://<storeDomain>/admin/api/<version>/graphql.json;
// customFetchApi sends that request to the emulator over plain http, keeping
// the path, and names the shop with X-Shopify-Shop-Domain.
import {createAdminApiClient} from '@shopify/admin-api-client';

const emulator = new URL(process.env.EMULATOR_URL || 'http://127.0.0.1:8081');
const apiVersion = process.env.API_VERSION || '2026-10';

function clientFor(storeDomain, accessToken, retries = 0) {
  return createAdminApiClient({
    storeDomain,
    apiVersion,
    accessToken,
    retries,
    customFetchApi: (url, init = {}) => {
      const target = new URL(url);
      const headers = {...(init.headers || {}), 'X-Shopify-Shop-Domain': target.host};
      if (target.host.startsWith('127.0.0.1') || target.host.startsWith('localhost')) {
        delete headers['X-Shopify-Shop-Domain'];
      }
      target.protocol = emulator.protocol;
      target.host = emulator.host;
      return fetch(target.toString(), {...init, headers});
    },
  });
}

async function control(method, path, body) {
  const res = await fetch(new URL('/_emulator' + path, emulator), {
    method,
    headers: {'Content-Type': 'application/json'},
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

const productsQuery = `#graphql
  query Products($first: Int!, $after: String) {
    products(first: $first, after: $after) {
      edges { cursor node { id handle title } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const out = {};

// 1. The source shop, reached as storeDomain "127.0.0.1:<port>" (default shop by token).
const source = clientFor(emulator.host, 'shpat_demo_source_dev_token_000000');
const ids = new Set();
let after = null;
let pages = 0;
let lastCost = null;
let throttledRetries = 0;
for (;;) {
  const {data, errors, extensions} = await source.request(productsQuery, {variables: {first: 250, after}});
  if (errors?.graphQLErrors?.[0]?.extensions?.code === 'THROTTLED' && throttledRetries < 5) {
    // Pace from throttleStatus, as a well-behaved app does.
    const {requestedQueryCost, throttleStatus} = extensions.cost;
    const wait = (requestedQueryCost - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate;
    throttledRetries++;
    await new Promise((r) => setTimeout(r, Math.max(0, wait) * 1000));
    continue;
  }
  if (errors) {
    out.error = errors;
    break;
  }
  pages++;
  for (const e of data.products.edges) ids.add(e.node.id);
  lastCost = extensions.cost;
  if (!data.products.pageInfo.hasNextPage) break;
  after = data.products.pageInfo.endCursor;
}
out.sourceProducts = ids.size;
out.sourcePages = pages;
out.throttledRetries = throttledRetries;
out.cost = lastCost;

// 2. Another shop by its myshopify domain.
const second = clientFor('second-source.myshopify.com', 'shpat_second_source_dev_token_0000');
const shop = await second.request(`#graphql
  { shop { name myshopifyDomain } }`);
out.secondShop = shop.data?.shop?.myshopifyDomain ?? null;
out.secondShopCost = shop.extensions?.cost ?? null;

// 3. A wrong token: the client reports the 401.
const bad = clientFor(emulator.host, 'shpat_wrong');
const denied = await bad.request(`{ shop { name } }`);
out.badTokenStatus = denied.errors?.networkStatusCode ?? null;

// 4. A THROTTLED answer arrives as a GraphQL error with the cost extension.
await control('POST', '/throttle', {shop: 'second-source.myshopify.com', currentlyAvailable: 0, restoreRate: 0});
const throttled = await second.request(productsQuery, {variables: {first: 10}});
out.throttledCode = throttled.errors?.graphQLErrors?.[0]?.extensions?.code ?? null;
out.throttledCost = throttled.extensions?.cost ?? throttled.errors?.response?.extensions?.cost ?? null;
await control('POST', '/throttle', {shop: 'second-source.myshopify.com', currentlyAvailable: 2000, restoreRate: 100});

// 5. A 429 is retried by the client (retries: 1) and then succeeds.
await control('POST', '/faults', {kind: '429', count: 1, retryAfter: 1});
const retrying = clientFor(emulator.host, 'shpat_demo_source_dev_token_000000', 1);
const retried = await retrying.request(`{ shop { name } }`);
out.retriedShop = retried.data?.shop?.name ?? null;

console.log(JSON.stringify(out));
