import { describe, expect, it } from 'vitest';
import { LazyJsonSchemaValidator } from '../src/lazy-json-schema-validator.js';

describe('LazyJsonSchemaValidator', () => {
  it('validates as the SDK validator does (elicitation results), building Ajv on first use', () => {
    const validator = new LazyJsonSchemaValidator();
    const check = validator.getValidator<{ name: string }>({
      type: 'object',
      properties: { name: { type: 'string', maxLength: 3 } },
      required: ['name'],
    });
    expect(check({ name: 'abc' })).toEqual({ valid: true, data: { name: 'abc' }, errorMessage: undefined });
    const refused = check({ name: 'abcd' });
    expect(refused.valid).toBe(false);
    expect(refused.errorMessage).toMatch(/maxLength|more than 3/);
    expect(check({}).valid).toBe(false);
  });
});
