/**
 * Talkstack as an Apollo `RESTDataSource`, the way Apollo's docs show it: a `baseURL`, the
 * request's credential added in `willSendRequest`, one method per endpoint. Defaults
 * everywhere: RESTDataSource deduplicates only GET/HEAD, so every `getCall` is its own POST.
 */
import { RESTDataSource, type AugmentedRequest, type DataSourceConfig } from '@apollo/datasource-rest';

export interface TalkstackAPIOptions {
  baseURL: string;
  /** ApolloServer's `server.cache`, as Apollo's docs pass it */
  cache: DataSourceConfig['cache'];
  /** the incoming request's `x-api-key` / `authorization`, forwarded as they are */
  credentials: Record<string, string>;
}

export class TalkstackAPI extends RESTDataSource {
  readonly #credentials: Record<string, string>;

  constructor(options: TalkstackAPIOptions) {
    super({ cache: options.cache });
    // Relative paths resolve against the last `/` of baseURL: keep a trailing slash.
    this.baseURL = `${options.baseURL}/`;
    this.#credentials = options.credentials;
  }

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    Object.assign(request.headers, this.#credentials);
  }

  /** The raw call body, or null when Talkstack answers 404. */
  async getCall(sid: string, projectId: string): Promise<unknown> {
    try {
      return await this.post<unknown>('call', { body: { sid, projectId } });
    } catch (error) {
      // RESTDataSource throws a GraphQLError carrying the upstream response in its extensions.
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }
}

function statusOf(error: unknown): unknown {
  const extensions = (error as { extensions?: { response?: { status?: unknown } } } | null)?.extensions;
  return extensions?.response?.status;
}
