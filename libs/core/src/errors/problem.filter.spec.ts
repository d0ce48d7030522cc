import { isDatabaseUnavailable } from './problem.filter';

describe('isDatabaseUnavailable: a database outage answers 503, never 500', () => {
  it.each([
    ['a connection-class SQLSTATE', Object.assign(new Error('x'), { code: '08006' })],
    [
      'the server shutting down (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['TypeORM wrapping the driver error', Object.assign(new Error('query failed'), { driverError: { code: '57P03' } })],
    [
      'every connection slot taken while instances reconnect (53300)',
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
    ],
    ['an unreachable database host', Object.assign(new Error('connect EHOSTUNREACH 10.0.0.5:5432'), { code: 'EHOSTUNREACH' })],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the pool after a lost connection', new Error('Client has encountered a connection error and is not queryable')],
    ['an error caused by an outage', new Error('publish failed', { cause: Object.assign(new Error(''), { code: 'ECONNRESET' }) })],
    ['every connection attempt refused', new AggregateError([Object.assign(new Error(''), { code: 'ECONNREFUSED' })], '')],
  ])('recognises %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a disk-full write (53100), which waiting does not cure', Object.assign(new Error('could not extend file'), { code: '53100' })],
    ['a programming error', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('leaves %s alone', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
