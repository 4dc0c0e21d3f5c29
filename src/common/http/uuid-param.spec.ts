import { NotFound } from '../errors/domain-error';
import { ParseIdPipe } from './uuid-param';

class WidgetNotFound extends NotFound {
  constructor(id: string) {
    super(`Widget ${id} is nowhere`);
  }
}

describe('ParseIdPipe', () => {
  const id = '3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10';

  it('passes a uuid, in either case', () => {
    expect(new ParseIdPipe('Market').transform(id)).toBe(id);
    expect(new ParseIdPipe('Market').transform(id.toUpperCase())).toBe(id.toUpperCase());
  });

  it.each(['not-a-uuid', '', '0', `${id}x`, `{${id}}`, 'x'.repeat(3000)])('answers %p with the 404 of the noun it was given', (value) => {
    expect(() => new ParseIdPipe('Market').transform(value)).toThrow(expect.objectContaining({ status: 404, error: 'NotFound', message: `Market ${value} not found` }));
  });

  it("answers with the module's own error when given one", () => {
    expect(() => new ParseIdPipe(WidgetNotFound).transform('nope')).toThrow(WidgetNotFound);
  });
});
