import { describe, expect, it } from 'vitest';
import { isPrivateAddress, STRICT_URL_POLICY, webhookUrlProblem } from './url-policy.js';

describe('webhook URL policy', () => {
  it('accepts public https URLs', () => {
    expect(webhookUrlProblem('https://hooks.example.com/burst?x=1', STRICT_URL_POLICY)).toBeNull();
    expect(webhookUrlProblem('https://203.0.113.9:8443/in', STRICT_URL_POLICY)).toBeNull();
  });

  it.each([
    ['http://hooks.example.com/', 'https'],
    ['https://localhost/x', 'private'],
    ['https://api.localhost/x', 'private'],
    ['https://127.0.0.1/x', 'private'],
    ['https://10.1.2.3/x', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'private'],
    ['https://[::1]/x', 'private'],
    ['https://[fd00::1]/x', 'private'],
    ['https://[::ffff:192.168.0.1]/x', 'private'],
    ['https://u:p@hooks.example.com/', 'credentials'],
    ['hooks.example.com', 'absolute'],
  ])('refuses %s under the strict policy', (url, why) => {
    expect(webhookUrlProblem(url, STRICT_URL_POLICY)).toMatch(new RegExp(why, 'i'));
  });

  it('allows http and private hosts only when told to', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9000/hooks', { allowHttp: true, allowPrivateNetworks: true })).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:9000/hooks', { allowHttp: true, allowPrivateNetworks: false })).toMatch(/private/);
  });

  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1']) expect(isPrivateAddress(a)).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '203.0.113.9', '2001:db8::1', '2606:4700::1111']) expect(isPrivateAddress(a)).toBe(false);
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });
});
