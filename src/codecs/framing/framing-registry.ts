import { cobsFraming } from './cobs.js';
import { delimiterFraming } from './delimiter.js';
import { fixedFraming } from './fixed-length.js';
import { gapFraming } from './inter-byte-gap.js';
import { lengthPrefixedFraming } from './length-prefixed.js';
import { slipFraming } from './slip.js';

/**
 * Every framing a profile's `framing.kind` may name, in the order the profile schema, the JSON Schema and
 * docs/profiles.md list them. A new framing is one file with its `defineFraming`, and a line here.
 */
export const FRAMINGS = [delimiterFraming, fixedFraming, lengthPrefixedFraming, slipFraming, cobsFraming, gapFraming] as const;
