import { describe, expect, it } from 'vitest';
import { parseIPv4, parseIPv6 } from './ip-address.js';

describe('parseIPv4', () => {
  it('reads every notation inet_aton and the URL parser accept', () => {
    const loopback = 0x7f000001;
    for (const text of ['127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.1', '127.0.1', '0x7F000001', '017700000001', '0x7f.0.0.0x1']) {
      expect(parseIPv4(text), text).toBe(loopback);
    }
    expect(parseIPv4('0')).toBe(0);
    expect(parseIPv4('0x')).toBe(0);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
  });

  it('refuses what is not an address', () => {
    for (const text of ['', '.', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '4294967296', '08.1.1.1', '1.2.3.x', 'example.com', '1..2', '0x1g', '1.2.3.4 ']) {
      expect(parseIPv4(text), text).toBeNull();
    }
  });
});

describe('parseIPv6', () => {
  it('expands compression, embedded IPv4 and zone ids', () => {
    expect(parseIPv6('::1')).toEqual({ groups: [0, 0, 0, 0, 0, 0, 0, 1], zone: null });
    expect(parseIPv6('::')).toEqual({ groups: [0, 0, 0, 0, 0, 0, 0, 0], zone: null });
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual({ groups: [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], zone: null });
    expect(parseIPv6('FE80::1%eth0')).toEqual({ groups: [0xfe80, 0, 0, 0, 0, 0, 0, 1], zone: 'eth0' });
    expect(parseIPv6('1:2:3:4:5:6:7:8')?.groups).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')?.groups).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
  });

  it('refuses malformed addresses', () => {
    for (const text of [
      '1',
      ':1',
      '1:',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      'g::1',
      '::1%',
      '1.2.3.4::',
      '::1.2.3',
      '::256.1.1.1',
      '1:2:3:4:5:6:7::8:9',
    ]) {
      expect(parseIPv6(text), text).toBeNull();
    }
  });
});
