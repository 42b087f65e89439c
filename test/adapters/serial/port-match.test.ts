import { describe, expect, it } from 'vitest';
import { findMatchingPort, type SerialMatch, type SerialPortInfo } from '../../../adapters/serial/port-match.js';

// As SerialPort.list() reports them on a Raspberry Pi with two identical FTDI cables, an Arduino and the UART.
const PORTS: SerialPortInfo[] = [
  { path: '/dev/ttyAMA0' },
  { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A50285BI', manufacturer: 'FTDI' },
  { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'A9M4KQ1X', manufacturer: 'FTDI' },
  { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043', serialNumber: '75533353038351F0E1A1' },
];

const cases: Array<{
  name: string;
  match: SerialMatch;
  ports?: SerialPortInfo[];
  expected: { path: string } | { reason: string | RegExp };
}> = [
  {
    name: 'one FTDI cable by its serial number',
    match: { vendorId: '0403', productId: '6001', serialNumber: 'A9M4KQ1X' },
    expected: { path: '/dev/ttyUSB1' },
  },
  { name: 'the serial number alone', match: { serialNumber: 'A50285BI' }, expected: { path: '/dev/ttyUSB0' } },
  {
    name: 'the only Arduino by vendor and product',
    match: { vendorId: '2341', productId: '0043' },
    expected: { path: '/dev/ttyACM0' },
  },
  { name: 'a vendor id written with 0x', match: { vendorId: '0x2341', productId: '0043' }, expected: { path: '/dev/ttyACM0' } },
  {
    name: 'ids the system reports in upper case',
    match: { vendorId: '10c4', productId: 'ea60' },
    ports: [{ path: '/dev/ttyUSB3', vendorId: '10C4', productId: 'EA60' }],
    expected: { path: '/dev/ttyUSB3' },
  },
  {
    name: 'two identical cables without a serial number: refused, never guessed',
    match: { vendorId: '0403', productId: '6001' },
    expected: {
      reason:
        '2 serial ports match vendorId 0403, productId 6001 (/dev/ttyUSB0 0403:6001 serialNumber A50285BI; ' +
        '/dev/ttyUSB1 0403:6001 serialNumber A9M4KQ1X): add serialNumber to tell them apart',
    },
  },
  {
    name: 'a cable that is not plugged in, listing what is',
    match: { vendorId: '0403', productId: '6001', serialNumber: 'NOPE' },
    expected: {
      reason:
        'no serial port matches vendorId 0403, productId 6001, serialNumber NOPE (seen: /dev/ttyUSB0 0403:6001 serialNumber ' +
        'A50285BI; /dev/ttyUSB1 0403:6001 serialNumber A9M4KQ1X; /dev/ttyACM0 2341:0043 serialNumber 75533353038351F0E1A1)',
    },
  },
  {
    name: 'no USB serial port at all',
    match: { vendorId: '0403' },
    ports: [{ path: '/dev/ttyAMA0' }],
    expected: { reason: 'no serial port matches vendorId 0403 (no USB serial port is plugged in)' },
  },
  {
    name: 'a serial number that only differs in case',
    match: { serialNumber: 'a50285bi' },
    expected: { reason: /^no serial port matches serialNumber a50285bi \(seen: / },
  },
];

describe('finding the serial port a USB match names', () => {
  it.each(cases)('$name', ({ match, ports, expected }) => {
    const found = findMatchingPort(ports ?? PORTS, match);
    if ('path' in expected) expect(found).toMatchObject({ ok: true, value: { path: expected.path } });
    else if (typeof expected.reason === 'string') expect(found).toEqual({ ok: false, reason: expected.reason });
    else expect(found).toMatchObject({ ok: false, reason: expect.stringMatching(expected.reason) });
  });
});
