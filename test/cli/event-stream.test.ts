import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../src/cli/event-stream.js';

describe('EventStreamParser (text/event-stream)', () => {
  it('cuts events however the chunks fall, with names, multi-line data, comments and CRLF', () => {
    const text =
      'retry: 2000\n\n: a comment\nevent: hello\ndata: {"a":1}\n\nevent: batch\r\ndata: line one\r\ndata: line two\r\n\r\ndata: plain\n\n';
    const expected = [
      { event: 'hello', data: '{"a":1}' },
      { event: 'batch', data: 'line one\nline two' },
      { event: 'message', data: 'plain' },
    ];
    for (let size = 1; size <= text.length; size++) {
      const parser = new EventStreamParser();
      const events = [];
      for (let at = 0; at < text.length; at += size) events.push(...parser.push(text.slice(at, at + size)));
      expect(events, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('holds an event back until its blank line arrives', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: status\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'status', data: '{}' }]);
  });
});
