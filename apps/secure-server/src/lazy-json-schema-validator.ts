import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation/types.js';

/**
 * The SDK's Ajv validator, built on first use. Every `McpServer` otherwise constructs an Ajv
 * instance up front (a large share of a stateless request's cost), though only elicitation uses it.
 * One per server, as the SDK does: a shared Ajv would keep every schema it ever compiled.
 */
export class LazyJsonSchemaValidator implements jsonSchemaValidator {
  #validator: AjvJsonSchemaValidator | undefined;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.#validator ??= new AjvJsonSchemaValidator();
    return this.#validator.getValidator<T>(schema);
  }
}
