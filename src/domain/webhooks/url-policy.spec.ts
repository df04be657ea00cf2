import { describe, expect, it } from 'vitest';
import { addressRefusal, isPrivateAddress, STRICT_URL_POLICY, webhookUrlProblem } from './url-policy.js';

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
    for (const a of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1'])
      expect(isPrivateAddress(a)).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '203.0.113.9', '2001:db8::1', '2606:4700::1111']) expect(isPrivateAddress(a)).toBe(false);
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });
});

describe('webhook URL policy: every spelling of a refused host', () => {
  it.each([
    // localhost as a fully qualified name, in any case
    'https://localhost./x',
    'https://LOCALHOST./x',
    'https://LocalHost/x',
    'https://api.localhost./x',
    'https://loc%61lhost./x',
    // loopback and link-local IPv4 in decimal, octal, hex and short forms
    'https://2130706433/x',
    'https://0x7f.1/x',
    'https://0177.0.0.1/x',
    'https://127.1/x',
    'https://0x7f000001/x',
    'https://127.0.0.1./x',
    'https://0251.0376.0251.0376/x',
    'https://2852039166/x',
    'https://0xa9.0xfe.0xa9.0xfe/x',
    'https://0/x',
    // IPv6 loopback, link-local, site-local and unique-local, upper case too
    'https://[0:0:0:0:0:0:0:1]/x',
    'https://[FE80::1]/x',
    'https://[FEC0::1]/x',
    'https://[FD12:3456::1]/x',
    'https://[::]/x',
    // IPv6 forms that embed IPv4
    'https://[::ffff:127.0.0.1]/x',
    'https://[::FFFF:7F00:1]/x',
    'https://[::ffff:8.8.8.8]/x',
    'https://[::ffff:0:127.0.0.1]/x',
    'https://[::127.0.0.1]/x',
    'https://[::a9fe:a9fe]/x',
    'https://[64:ff9b::10.0.0.1]/x',
    'https://[64:ff9b::8.8.8.8]/x',
    'https://[64:ff9b:1::a00:1]/x',
    'https://[2002:7f00:1::]/x',
    'https://[2002:c0a8:101::1]/x',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x',
    'https://[2001::1]/x',
  ])('refuses %s', (url) => {
    expect(webhookUrlProblem(url, STRICT_URL_POLICY)).toMatch(/private network/);
  });

  it('still accepts public hosts that merely look similar', () => {
    for (const url of [
      'https://localhost.example.com/x',
      'https://my-localhost.com/x',
      'https://[2001:db8::1]/x',
      'https://[2001:4860:4860::8888]/x',
      'https://[2606:4700::1111]/x',
      'https://8.8.8.8/x',
      'https://0x8.8.8.8/x',
      'https://128.0.0.1/x',
      'https://hooks.example.com./x',
    ]) {
      expect(webhookUrlProblem(url, STRICT_URL_POLICY), url).toBeNull();
    }
  });
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['127.0.0.1.', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0xA9FEA9FE', 'link-local'],
    ['10.0.0.5', 'private'],
    ['0.0.0.0', 'this network'],
    ['255.255.255.255', 'multicast or reserved'],
    ['::1', 'unspecified, loopback or IPv4-compatible'],
    ['[::1]', 'unspecified, loopback or IPv4-compatible'],
    ['::', 'unspecified, loopback or IPv4-compatible'],
    ['::127.0.0.1', 'unspecified, loopback or IPv4-compatible'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'IPv4-mapped'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['64:ff9b::a00:5', 'NAT64'],
    ['64:ff9b:1:2::1', 'NAT64 (local use)'],
    ['2002:a00:5::', '6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['FE80::1', 'link-local'],
    ['fe80::1%eth0', 'scoped to a network interface (zone id)'],
    ['2001:db8::1%25', 'scoped to a network interface (zone id)'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['not-an-ip', 'not an IP address'],
    ['1::2::3', 'not an IP address'],
    ['12345::1', 'not an IP address'],
    ['1.2.3.4.5', 'not an IP address'],
  ])('%s is refused as %s', (address, kind) => {
    expect(addressRefusal(address)).toBe(kind);
  });

  it('lets public addresses through', () => {
    for (const a of ['8.8.8.8', '134744072', '1.1.1.1', '203.0.113.9', '2001:db8::1', '2606:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:82b::200e']) {
      expect(addressRefusal(a), a).toBeNull();
    }
  });
});
