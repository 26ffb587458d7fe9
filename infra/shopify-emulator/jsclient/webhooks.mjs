// Checks the emulator's webhooks against Shopify's own shapes: it subscribes
// a local receiver to several topics, edits objects through the control API
// as a merchant would, verifies each delivery's X-Shopify-Hmac-Sha256 and
// validates each payload against the JSON schema the shopify-webhook-schemas
// package publishes for the topic. Prints one JSON object with the results.
//
//   EMULATOR_URL=http://127.0.0.1:8081 node webhooks.mjs
//
// The package's schemas are inferred from Shopify's documented example
// payloads, so four things in them describe the example rather than the
// topic and are relaxed here: a property typed only "null" (the example had
// null there) accepts any value; an array whose items are `false` (the example
// array was empty) accepts any items; metaobjects' `fields`, whose keys are
// the merchant's own, requires none of the example's keys; and a product's
// `image` may be null (a product without images has none).
import crypto from 'node:crypto';
import http from 'node:http';
import {createRequire} from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const {schemaForWebhook} = require('shopify-webhook-schemas');

const emulator = new URL(process.env.EMULATOR_URL || 'http://127.0.0.1:8081');
const secret = process.env.SHOPIFY_API_SECRET || 'emulator-app-secret';
const shop = 'demo-source.myshopify.com';
const token = 'shpat_demo_source_dev_token_000000';
const schemaVersions = ['2026-07', '2026-04', '2026-01', '2025-10'];

function relax(node, path = []) {
  if (Array.isArray(node)) return node.map((n) => relax(n, path));
  if (!node || typeof node !== 'object') return node;
  if (node.type === 'null') return {};
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'items' && v === false) continue;
    out[k] = relax(v, [...path, k]);
  }
  if (path.at(-1) === 'fields' && path.at(-2) === 'properties') delete out.required;
  if (path.length === 2 && path[0] === 'properties' && path[1] === 'image' && out.type === 'object') out.type = ['object', 'null'];
  return out;
}

function schemaFor(topic) {
  for (const v of schemaVersions) {
    try {
      return {version: v, schema: relax(schemaForWebhook(v, topic))};
    } catch {
      // not published for this version
    }
  }
  return null;
}

async function gql(query) {
  const res = await fetch(new URL('/admin/api/2026-10/graphql.json', emulator), {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Shopify-Access-Token': token},
    body: JSON.stringify({query}),
  });
  return (await res.json()).data;
}

async function control(method, path, body) {
  const res = await fetch(new URL('/_emulator' + path, emulator), {
    method,
    headers: {'Content-Type': 'application/json'},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const received = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({headers: req.headers, raw: Buffer.concat(chunks)});
    res.writeHead(200).end();
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const callback = `http://127.0.0.1:${server.address().port}/webhooks`;

const ids = await gql(`{
  products(first: 2) { nodes { id } }
  collections(first: 2) { nodes { id } }
  metaobjects(type: "designer", first: 2) { nodes { id } }
  discountNodes(first: 2) { nodes { id } }
  metafieldDefinitions(ownerType: PRODUCT, first: 2) { nodes { id } }
  themes(first: 2) { nodes { id role } }
}`);
const num = (gid) => gid.split('/').pop();
const obj = (path) => `/shops/${shop}/objects/${path}`;
const unpublished = ids.themes.nodes.find((t) => t.role !== 'MAIN');
// Each action makes Shopify send one webhook of its topic.
const actions = [
  ['products/create', () => control('POST', `/shops/${shop}/objects`, {type: 'Product', fields: {title: 'Webhook created product'}})],
  ['products/update', () => control('PATCH', obj(`Product/${num(ids.products.nodes[0].id)}`), {fields: {title: 'Webhook check'}})],
  ['products/delete', () => control('DELETE', obj(`Product/${num(ids.products.nodes[1].id)}`))],
  ['collections/create', () => control('POST', `/shops/${shop}/objects`, {type: 'Collection', fields: {title: 'Webhook collection new'}})],
  ['collections/update', () => control('PATCH', obj(`Collection/${num(ids.collections.nodes[0].id)}`), {fields: {title: 'Webhook collection'}})],
  ['collections/delete', () => control('DELETE', obj(`Collection/${num(ids.collections.nodes[1].id)}`))],
  ['metaobjects/create', () => control('POST', `/shops/${shop}/objects`, {type: 'Metaobject', fields: {type: 'designer', handle: 'webhook-designer', fields: {name: 'Webhook Designer'}}})],
  ['metaobjects/update', () => control('PATCH', obj(`Metaobject/${num(ids.metaobjects.nodes[0].id)}`), {fields: {fields: {name: 'Renamed'}}})],
  ['metaobjects/delete', () => control('DELETE', obj(`Metaobject/${num(ids.metaobjects.nodes[1].id)}`))],
  ['discounts/create', () => gql(`mutation { discountCodeBasicCreate(basicCodeDiscount: {title: "Hook", code: "HOOK10", startsAt: "2026-01-01T00:00:00Z", customerGets: {value: {percentage: 0.1}, items: {all: true}}}) { userErrors { message } } }`)],
  ['discounts/update', () => control('PATCH', obj(`DiscountNode/${num(ids.discountNodes.nodes[0].id)}`), {fields: {title: 'Webhook discount'}})],
  ['discounts/delete', () => control('DELETE', obj(`DiscountNode/${num(ids.discountNodes.nodes[1].id)}`))],
  ['metafield_definitions/create', () => gql(`mutation { metafieldDefinitionCreate(definition: {name: "Hook", namespace: "hook", key: "field", type: "single_line_text_field", ownerType: PRODUCT}) { userErrors { message } } }`)],
  ['metafield_definitions/update', () => control('PATCH', obj(`MetafieldDefinition/${num(ids.metafieldDefinitions.nodes[0].id)}`), {fields: {name: 'Webhook def'}})],
  ['metafield_definitions/delete', () => control('DELETE', obj(`MetafieldDefinition/${num(ids.metafieldDefinitions.nodes[1].id)}`))],
  ['themes/update', () => control('PATCH', obj(`OnlineStoreTheme/${num(ids.themes.nodes[0].id)}`), {fields: {name: 'Dawn (edited)'}})],
  ['themes/create', () => gql(`mutation { themeDuplicate(id: "${ids.themes.nodes[0].id}", name: "Hook copy") { userErrors { message } } }`)],
  ['themes/publish', () => gql(`mutation { themePublish(id: "${unpublished.id}") { userErrors { message } } }`)],
  ['themes/delete', () => gql(`mutation { themeDelete(id: "${ids.themes.nodes.find((t) => t.role === 'MAIN').id}") { userErrors { message } } }`)],
  ['bulk_operations/finish', () => gql(`mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { userErrors { message } } }`)],
  ['app/uninstalled', () => control('POST', `/shops/${shop}/uninstall`)],
];
for (const [topic] of actions) {
  await control('POST', `/shops/${shop}/webhooks`, {topic, callbackUrl: callback});
}
async function waitFor(n) {
  const deadline = Date.now() + 10000;
  while (received.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}
// app/uninstalled goes last: it removes every subscription.
for (const [, act] of actions.slice(0, -1)) {
  await act();
}
await waitFor(actions.length - 1);
await actions.at(-1)[1]();
await waitFor(actions.length);
server.close();

const ajv = new Ajv2020({allErrors: true, strict: false});
addFormats(ajv);
const out = {received: received.length, topics: {}};
for (const d of received) {
  const topic = d.headers['x-shopify-topic'];
  const expected = crypto.createHmac('sha256', secret).update(d.raw).digest();
  const got = Buffer.from(d.headers['x-shopify-hmac-sha256'] || '', 'base64');
  const hmacOk = got.length === expected.length && crypto.timingSafeEqual(got, expected);
  const found = schemaFor(topic);
  let valid = false;
  let errors = ['no schema published for ' + topic];
  if (found) {
    const validate = ajv.compile(found.schema);
    valid = validate(JSON.parse(d.raw.toString('utf8')));
    errors = (validate.errors || []).map((e) => `${e.instancePath} ${e.message}`);
  }
  out.topics[topic] = {
    hmacOk,
    valid,
    errors,
    schemaVersion: found?.version,
    headers: ['x-shopify-shop-domain', 'x-shopify-webhook-id', 'x-shopify-triggered-at', 'x-shopify-event-id', 'x-shopify-api-version'].every((h) => d.headers[h]),
  };
}
console.log(JSON.stringify(out));
