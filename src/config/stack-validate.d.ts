// Types of dist/config/stack-validate.js, the standalone validator that `npm run build`
// (scripts/schema-compile.js) generates from schemas/stack.schema.json.
import type { ValidateFunction } from 'ajv';

export declare const schemaHash: string;
declare const validate: ValidateFunction;
export default validate;
