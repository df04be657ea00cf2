import { describe, expect, it } from 'vitest';
import { parseDeliveryCsv, parseForecastCsv, parseSeatsCsv, readCsv, toCsv } from './csv';

describe('the forecast CSV parser', () => {
  it('reads interval start, contacts and AHT, with or without a header, in the spike’s zone', () => {
    const plain = parseForecastCsv('2026-11-28 09:00,100,180\n2026-11-28 09:30,240,420\n', 'Europe/London');
    expect(plain).toEqual({
      ok: true,
      rows: [
        { startsAt: '2026-11-28T09:00:00.000Z', forecastContacts: 100, ahtSeconds: 180 },
        { startsAt: '2026-11-28T09:30:00.000Z', forecastContacts: 240, ahtSeconds: 420 },
      ],
    });
    const withHeader = parseForecastCsv('\uFEFFAHT;Interval start;Contacts\r\n180;2026-07-04 09:00;100\r\n\r\n', 'Europe/London');
    expect(withHeader).toEqual({ ok: true, rows: [{ startsAt: '2026-07-04T08:00:00.000Z', forecastContacts: 100, ahtSeconds: 180 }] });
    const iso = parseForecastCsv('interval_start,contacts,aht_seconds\n2026-11-28T09:00:00+05:30,0,300', 'UTC');
    expect(iso).toEqual({ ok: true, rows: [{ startsAt: '2026-11-28T03:30:00.000Z', forecastContacts: 0, ahtSeconds: 300 }] });
  });

  it('takes a seats column instead of a forecast', () => {
    expect(parseForecastCsv('start,seats\n2026-11-28 09:00,12', 'UTC')).toEqual({ ok: true, rows: [{ startsAt: '2026-11-28T09:00:00.000Z', seats: 12 }] });
  });

  it('names the line and column of every problem', () => {
    const r = parseForecastCsv(
      'start,contacts,aht\n2026-11-28 09:00,100,180\nyesterday,5,180\n2026-11-28 10:00,-3,180\n2026-11-28 10:30,4,0\n2026-11-28 11:00,1.5,60',
      'UTC',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'interval start'],
      [4, 'contacts'],
      [5, 'AHT'],
      [6, 'contacts'],
    ]);
    expect(parseForecastCsv('', 'UTC')).toMatchObject({ ok: false, problems: [{ line: 1 }] });
    expect(parseForecastCsv('start,notes\n2026-11-28 09:00,x', 'UTC')).toMatchObject({
      ok: false,
      problems: [{ message: 'Give contacts and AHT columns, or a seats column' }],
    });
  });

  it('refuses a wall time that does not exist in the zone', () => {
    expect(parseForecastCsv('2026-03-29 01:30,10,180', 'Europe/London')).toMatchObject({ ok: false, problems: [{ line: 1, column: 'interval start' }] });
  });
});

describe('other CSV', () => {
  it('splits quoted fields with separators, quotes and line breaks', () => {
    expect(readCsv('a,"b,c","say ""hi""","two\nlines"\n\n1,2,3,4')).toEqual([
      { line: 1, cells: ['a', 'b,c', 'say "hi"', 'two\nlines'] },
      { line: 4, cells: ['1', '2', '3', '4'] },
    ]);
  });

  it('reads seats per interval by index or start time', () => {
    const starts = ['2026-11-28T09:00:00.000Z', '2026-11-28T09:30:00.000Z'];
    expect(parseSeatsCsv('interval,seats\n0,4\n2026-11-28 09:30,6', starts, 'UTC')).toEqual({
      ok: true,
      rows: [
        { index: 0, seats: 4 },
        { index: 1, seats: 6 },
      ],
    });
    expect(parseSeatsCsv('5,4', starts, 'UTC')).toMatchObject({ ok: false, problems: [{ line: 1, column: 'interval' }] });
  });

  it('reads delivery actuals with service levels as fractions or percentages', () => {
    expect(parseDeliveryCsv('interval,staffed_seat_hours,contacts_handled,service_level\n0,2.5,41,83%\n1,3,50,0.9\n2,1,10,')).toEqual({
      ok: true,
      rows: [
        { intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 41, serviceLevelAchieved: 0.83 },
        { intervalIndex: 1, staffedSeatHours: 3, contactsHandled: 50, serviceLevelAchieved: 0.9 },
        { intervalIndex: 2, staffedSeatHours: 1, contactsHandled: 10, serviceLevelAchieved: null },
      ],
    });
    expect(parseDeliveryCsv('0,2.12345,4,0.5')).toMatchObject({ ok: false, problems: [{ column: 'staffed seat-hours' }] });
  });

  it('writes CSV with quoting', () => {
    expect(
      toCsv([
        ['a', 'b,c'],
        [1, null],
        ['say "hi"', -2],
      ]),
    ).toBe('a,"b,c"\r\n1,\r\n"say ""hi""",-2\r\n');
  });

  it('neutralises text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    expect(toCsv([['=1+1', '+A1', '-2+3', '@cmd', '\t=1', '-4.00', -3, 'a=b']])).toBe("'=1+1,'+A1,'-2+3,'@cmd,'\t=1,-4.00,-3,a=b\r\n");
  });
});
