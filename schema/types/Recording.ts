import type { Recording } from '../../src/calls/call.js';
import { builder } from '../builder.js';
import { RecordingFormatEnum } from './RecordingFormat.js';

export const RecordingRef = builder.objectRef<Recording>('Recording').implement({
  description: 'A recording of a call.',
  fields: (t) => ({
    url: t.expose('url', { type: 'URL' }),
    sid: t.exposeString('sid', {
      nullable: true,
      description: 'Twilio recording SID (RE…) when the URL is a Twilio recording URL',
    }),
    format: t.expose('format', { type: RecordingFormatEnum }),
  }),
});
