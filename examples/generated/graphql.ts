/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Lifecycle status of a call as Talkstack reports it. */
export type CallStatus =
  /** Final: the line was busy. */
  | 'BUSY'
  /** Final: the call was canceled ("canceled" or "cancelled" upstream). */
  | 'CANCELED'
  /** Final: the call took place. */
  | 'COMPLETED'
  /** Final: the call could not be placed. */
  | 'FAILED'
  /** Temporary: the call is being set up. */
  | 'INITIATED'
  /** Temporary: the call is under way. */
  | 'IN_PROGRESS'
  /** Final: nobody answered. */
  | 'NO_ANSWER'
  /** Temporary: Talkstack has not triggered the call yet. */
  | 'QUEUED'
  /** Temporary: the callee is being rung. */
  | 'RINGING'
  /** Final: closed after more than 6 s of silence. */
  | 'SILENCE'
  /** A status this server does not know yet; not final; see Call.upstreamStatus. */
  | 'UNKNOWN'
  /** Final: the call reached a voicemail. */
  | 'VOICEMAIL';

/** Audio format of a recording, from its URL. */
export type RecordingFormat =
  /** an `.mp3` URL */
  | 'MP3'
  /** any other URL */
  | 'OTHER'
  /** a `.wav` URL, or a Twilio recording URL without extension (Twilio serves WAV) */
  | 'WAV';

export type CallRowFragment = { sid: string, status: CallStatus, upstreamStatus: string, isFinal: boolean, from: string | null, to: string | null, date: string | null, durationSeconds: number | null, cost: number | null, recordings: Array<{ url: string, format: RecordingFormat }> };

export type DashboardPageQueryVariables = Exact<{
  sids: Array<string | number> | string | number;
  projectId?: string | number | null | undefined;
}>;


export type DashboardPageQuery = { calls: Array<{ sid: string, status: CallStatus, upstreamStatus: string, isFinal: boolean, from: string | null, to: string | null, date: string | null, durationSeconds: number | null, cost: number | null, recordings: Array<{ url: string, format: RecordingFormat }> } | null> };

export type DashboardPageStreamedQueryVariables = Exact<{
  sids: Array<string | number> | string | number;
  projectId?: string | number | null | undefined;
}>;


export type DashboardPageStreamedQuery = { calls: Array<{ sid: string, status: CallStatus, upstreamStatus: string, isFinal: boolean, from: string | null, to: string | null, date: string | null, durationSeconds: number | null, cost: number | null, recordings: Array<{ url: string, format: RecordingFormat }> } | null> };

export type LiveCallsSubscriptionVariables = Exact<{
  sids: Array<string | number> | string | number;
  projectId?: string | number | null | undefined;
}>;


export type LiveCallsSubscription = { callsUpdates: { sid: string, status: CallStatus, upstreamStatus: string, isFinal: boolean, from: string | null, to: string | null, date: string | null, durationSeconds: number | null, cost: number | null, recordings: Array<{ url: string, format: RecordingFormat }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const CallRowFragmentDoc = new TypedDocumentString(`
    fragment CallRow on Call {
  sid
  status
  upstreamStatus
  isFinal
  from
  to
  date
  durationSeconds
  cost
  recordings {
    url
    format
  }
}
    `, {"fragmentName":"CallRow"}) as unknown as TypedDocumentString<CallRowFragment, unknown>;
export const DashboardPageDocument = new TypedDocumentString(`
    query DashboardPage($sids: [ID!]!, $projectId: ID) {
  calls(sids: $sids, projectId: $projectId) {
    ...CallRow
  }
}
    fragment CallRow on Call {
  sid
  status
  upstreamStatus
  isFinal
  from
  to
  date
  durationSeconds
  cost
  recordings {
    url
    format
  }
}`, {"hash":"sha256:ff85d383435bd7185fb4d901c1aff2d503f5d136f3f6e222bad6ed53f25902e3"}) as unknown as TypedDocumentString<DashboardPageQuery, DashboardPageQueryVariables>;
export const DashboardPageStreamedDocument = new TypedDocumentString(`
    query DashboardPageStreamed($sids: [ID!]!, $projectId: ID) {
  calls(sids: $sids, projectId: $projectId) @stream(initialCount: 0) {
    ...CallRow
  }
}
    fragment CallRow on Call {
  sid
  status
  upstreamStatus
  isFinal
  from
  to
  date
  durationSeconds
  cost
  recordings {
    url
    format
  }
}`, {"hash":"sha256:5a978ad7f178a687d2db8a4b3ab045c57917e209cb491d401124700a22ce2597"}) as unknown as TypedDocumentString<DashboardPageStreamedQuery, DashboardPageStreamedQueryVariables>;
export const LiveCallsDocument = new TypedDocumentString(`
    subscription LiveCalls($sids: [ID!]!, $projectId: ID) {
  callsUpdates(sids: $sids, projectId: $projectId) {
    ...CallRow
  }
}
    fragment CallRow on Call {
  sid
  status
  upstreamStatus
  isFinal
  from
  to
  date
  durationSeconds
  cost
  recordings {
    url
    format
  }
}`, {"hash":"sha256:a528c527a4e0009a06022c1a1a1174665d027e661292b8a8638ac4009f007c48"}) as unknown as TypedDocumentString<LiveCallsSubscription, LiveCallsSubscriptionVariables>;