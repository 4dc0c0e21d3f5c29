import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { AccessTokenService } from './access-token.service';
import { AuthGuard } from './auth.guard';
import { MeController } from './me.controller';
import { UsersService } from './users.service';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
    }),
  ],
  controllers: [MeController],
  providers: [UsersService, AccessTokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [UsersService, AccessTokenService],
})
export class AuthModule {}
