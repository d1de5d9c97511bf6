/**
 * A typed view of `DebugSession.customRequest` over the protocol's DAP requests: the view models
 * take one of these, so tests drive them with a fake adapter and the extension with the session.
 */
import type { HyperlabDapRequests } from '../../protocol/hyperlab';

export type DapCommand = HyperlabDapRequests['command'];
type RequestOf<C extends DapCommand> = Extract<HyperlabDapRequests, { command: C }>;
export type ArgsOf<C extends DapCommand> = NonNullable<RequestOf<C>['args']>;
export type ResultOf<C extends DapCommand> = NonNullable<RequestOf<C>['result']>;

export type Requester = <C extends DapCommand>(command: C, args: ArgsOf<C>) => Promise<ResultOf<C>>;
