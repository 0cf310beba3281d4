// The part of minipass-fetch 5 (CommonJS, no bundled types) that iza uses.
declare module 'minipass-fetch' {
  interface MinipassFetchHeaders {
    get(name: string): string | null;
  }

  interface MinipassFetchBody extends AsyncIterable<Buffer> {
    on(event: 'error', listener: (err: Error) => void): this;
  }

  interface MinipassFetchResponse {
    readonly status: number;
    readonly url: string;
    readonly headers: MinipassFetchHeaders;
    readonly body: MinipassFetchBody;
  }

  interface MinipassFetchInit {
    method?: string;
    headers?: Record<string, string>;
    redirect?: 'manual' | 'follow' | 'error';
    signal?: AbortSignal;
    compress?: boolean;
  }

  function fetch(url: string, init?: MinipassFetchInit): Promise<MinipassFetchResponse>;
  export default fetch;
}
