import type { RecordingFormat } from '../../src/calls/call.js';
import { builder } from '../builder.js';

export const RecordingFormatEnum = builder.enumType('RecordingFormat', {
  description: 'Audio format of a recording, from its URL.',
  values: {
    MP3: { value: 'MP3', description: 'an `.mp3` URL' },
    WAV: { value: 'WAV', description: 'a `.wav` URL, or a Twilio recording URL without extension (Twilio serves WAV)' },
    OTHER: { value: 'OTHER', description: 'any other URL' },
  } satisfies Record<RecordingFormat, { value: RecordingFormat; description: string }>,
});
