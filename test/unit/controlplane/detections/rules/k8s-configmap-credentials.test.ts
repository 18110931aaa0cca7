import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { asController, judge, ruleCases } from './k8s-rule-cases';

const configMap = (data: Record<string, string>, verb = 'create') => auditEvent({ verb, resource: 'configmaps', namespace: 'shop', name: 'app-config', requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'app-config', namespace: 'shop' }, data } });
// Built in pieces so no scanner mistakes this file for a leak.
const PRIVATE_KEY = ['-----BEGIN', 'RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA', 'PRIVATE KEY-----'].join(' ');
const AWS_KEY = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');

ruleCases('k8s-configmap-credentials', {
  should: [
    ['a password under its name', configMap({ DB_PASSWORD: 'hunter2hunter2' })],
    ['camelCase keys', configMap({ dbPassword: 'S3cr3t!' })],
    ['a private key under any key', configMap({ 'tls.key': PRIVATE_KEY })],
    ['an AWS access key', configMap({ settings: `region=eu-west-1\naws_key=${AWS_KEY}` })],
    ['a password inside an embedded properties file', configMap({ 'application.properties': 'spring.datasource.url=jdbc:postgresql://db:5432/shop\nspring.datasource.password=hunter2\n' })],
    ['a password inside a connection URL', configMap({ DATABASE_URL: 'postgres://shop:hunter2@db.shop.svc:5432/shop' })],
    ['a client secret in embedded JSON', configMap({ 'oidc.json': '{"issuer": "https://idp.example.com", "client_secret": "9f8e7d6c5b4a"}' })],
    ['a patch that adds one (the response holds the result)', { ...configMap({}, 'patch'), responseObject: { kind: 'ConfigMap', metadata: { name: 'app-config', uid: 'cm-1' }, data: { API_KEY: 'sk-live-1234567890' } } }],
  ],
  shouldNot: [
    ['the name of a Secret', configMap({ secretName: 'db-credentials', tokenFile: '/var/run/secrets/token' })],
    ['an environment reference', configMap({ DB_PASSWORD: '${DB_PASSWORD}' })],
    ['a Helm template left unrendered', configMap({ password: '{{ .Values.db.password }}' })],
    ['a CA certificate', configMap({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----' })],
    ['settings about tokens, not tokens', configMap({ token_ttl: '3600', password_min_length: '12', enable_password_auth: 'true' })],
    ['a password file path', configMap({ PASSWORD_FILE: '/etc/app/password' })],
    ['placeholders', configMap({ password: '****', api_key: '<your key here>' })],
    ['the root CA publisher writing kube-root-ca.crt', asController(configMap({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIC...' }), 'root-ca-cert-publisher')],
  ],
});

test('k8s-configmap-credentials names keys, never values', () => {
  const f = judge('k8s-configmap-credentials', configMap({ DB_PASSWORD: 'hunter2hunter2', 'tls.key': PRIVATE_KEY }))!;
  assert.equal(f.fields?.keys, 'DB_PASSWORD,tls.key');
  assert.doesNotMatch(JSON.stringify(f), /hunter2|MIIEow/);
});
