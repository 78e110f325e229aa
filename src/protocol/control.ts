// The words of control shared by both message directions: the actions, and where the page finds
// the token that authorises them.

/** The actions a control message can ask for (see `RunController`). */
export const CONTROL_ACTIONS = ['pause', 'resume', 'stop', 'setLearningRate'] as const;

/** One of {@link CONTROL_ACTIONS}. */
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/**
 * The `<meta name>` under which the served page carries the server's per-process control token
 * (`<meta name="gradstream-control-token" content="…">`): the page reads it, other programs do not
 * have it unless they fetch the page.
 */
export const CONTROL_TOKEN_META = 'gradstream-control-token';
