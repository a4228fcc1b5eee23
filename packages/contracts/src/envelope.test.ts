import { nameBasedEventId } from './envelope';

test('nameBasedEventId is RFC 9562 version 5: the standard example, stable, and separate per namespace', () => {
  const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
  expect(nameBasedEventId(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  const ns = Buffer.from('3b0f4c1ad6a84e5c9e2f7a61c0d5b8e4', 'hex');
  expect(nameBasedEventId(ns, 'line-1|paid')).toBe(nameBasedEventId(ns, 'line-1|paid'));
  expect(nameBasedEventId(ns, 'line-1|paid')).not.toBe(nameBasedEventId(dns, 'line-1|paid'));
});
