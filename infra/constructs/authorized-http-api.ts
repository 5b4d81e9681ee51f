import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PipelineFunction } from './pipeline-function.ts';

/** Props of {@link AuthorizedHttpApi}. */
export interface AuthorizedHttpApiProps {
  /** Serves every route (`$default`), API Gateway HTTP API payload format 2.0. */
  readonly handler: PipelineFunction;
  /** Lambda authorizer with the simple response format (`{isAuthorized}`), fed the `Authorization` header. */
  readonly authorizer: PipelineFunction;
  /** Stage-wide throttling: steady requests/s and burst. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Retention of the access log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** How long API Gateway caches an authorizer decision per `Authorization` value. @default Duration.minutes(5) */
  readonly authorizerCacheTtl?: Duration;
  /** `GET` paths served without the authorizer (health checks; they must expose no data). @default [] */
  readonly publicGetPaths?: string[];
}

/**
 * An API Gateway HTTP API whose every route goes through a Lambda token authorizer to one handler, with a
 * throttled `$default` stage and JSON access logs (API Gateway Developer Guide, "Working with HTTP APIs":
 * Lambda authorizers, throttling, logging variables).
 */
export class AuthorizedHttpApi extends Construct {
  /** The API (default route `$default` → handler, through the authorizer). */
  readonly httpApi: apigw.HttpApi;
  /** The throttled, access-logged `$default` stage. */
  readonly stage: apigw.HttpStage;
  /** JSON access log (one line per request). */
  readonly accessLogGroup: logs.LogGroup;
  /** Routes without the authorizer (`publicGetPaths`). */
  readonly publicRoutes: apigw.HttpRoute[];

  constructor(scope: Construct, id: string, props: AuthorizedHttpApiProps) {
    super(scope, id);
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', props.authorizer.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(5),
    });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'wirewatch read API (items, topics, feeds)',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('ApiIntegration', props.handler.function, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
      defaultAuthorizer: authorizer,
    });
    this.publicRoutes = (props.publicGetPaths ?? []).flatMap((path) =>
      this.httpApi.addRoutes({
        path,
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration(`Public${path.replace(/[^A-Za-z0-9]/g, '')}`, props.handler.function, {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer: new apigw.HttpNoneAuthorizer(),
      }),
    );
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatencyMs: '$context.integrationLatency',
            latencyMs: '$context.responseLatency',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** The invoke URL of the `$default` stage, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}
