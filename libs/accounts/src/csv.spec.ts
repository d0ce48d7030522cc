import { csvCell } from './members.service';

describe('csvCell', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
  });

  it('quotes a semicolon, the separator of spreadsheets in many locales, at the start or anywhere', () => {
    expect(csvCell(';=1+1')).toBe('";=1+1"');
    expect(csvCell('Acme;=HYPERLINK("x")')).toBe('"Acme;=HYPERLINK(""x"")"');
    expect(csvCell('-1;2')).toBe(`"'-1;2"`);
  });
});
