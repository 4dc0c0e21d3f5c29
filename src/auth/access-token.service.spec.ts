import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config';
import { AccessTokenService } from './access-token.service';
import type { SessionsService } from './sessions.service';
import type { UsersService } from './users.service';

const config = { accessTokenTtlSeconds: 60 } as AppConfig;

function serviceWith(jwt: JwtService): AccessTokenService {
  const users = { authState: async () => ({ status: 'active', roles: ['user'] }) } as unknown as UsersService;
  const sessions = { isActive: async () => true } as unknown as SessionsService;
  return new AccessTokenService(jwt, users, sessions, config);
}

describe('AccessTokenService.verify', () => {
  afterEach(() => jest.useRealTimers());

  it('checks a token’s signature once, and its expiry on every use', async () => {
    const jwt = new JwtService({ secret: 'test-secret-test-secret-test-secret', signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
    const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
    const tokens = serviceWith(jwt);
    const { accessToken } = await tokens.issue({ id: 'user-1', roles: ['user'] });

    await expect(tokens.verify(accessToken)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(tokens.verify(accessToken)).resolves.toMatchObject({ sub: 'user-1' });
    expect(verifyAsync).toHaveBeenCalledTimes(1);

    jest.useFakeTimers({ now: Date.now() + 61_000 });
    await expect(tokens.verify(accessToken)).rejects.toThrow('access token expired');
  });

  it('remembers no token that failed its check', async () => {
    const jwt = new JwtService({ secret: 'test-secret-test-secret-test-secret', verifyOptions: { algorithms: ['HS256'] } });
    const tokens = serviceWith(jwt);
    const forged = new JwtService({ secret: 'another-secret-another-secret-another' });
    const token = await forged.signAsync({ sub: 'user-1', roles: ['user'] }, { expiresIn: 60 });
    await expect(tokens.verify(token)).rejects.toThrow('invalid access token');
    await expect(tokens.verify(token)).rejects.toThrow('invalid access token');
  });
});
