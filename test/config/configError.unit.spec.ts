import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { errorResponse } from '../../src/http/errorResponse.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';

describe('ConfigError, the one error of unusable configuration', () => {
  it('an EncodingAESKey that reaches the message crypto unchecked is still answered 500 invalid_encoding_aes_key', () => {
    const error = (() => {
      try {
        createMessageCrypto({ appid: 'wx', token: 't', encodingAESKey: 'too-short' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(errorResponse(error)).toMatchObject({ status: 500, body: { error: { code: 'invalid_encoding_aes_key', message: 'EncodingAESKey must be 43 base64 characters' } } });
  });

  it('any other is invalid_configuration', () => {
    expect(new ConfigError('PORT: not a port number: x')).toMatchObject({ name: 'ConfigError', code: 'invalid_configuration', status: 500 });
  });
});
