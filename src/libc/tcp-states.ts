// The kernel's TCP state numbers (include/net/tcp_states.h), named as `ss` names them.

export const TCP_STATES_BY_NUMBER: Readonly<Record<number, string>> = {
  1: "ESTAB",
  2: "SYN-SENT",
  3: "SYN-RECV",
  4: "FIN-WAIT-1",
  5: "FIN-WAIT-2",
  6: "TIME-WAIT",
  7: "UNCONN",
  8: "CLOSE-WAIT",
  9: "LAST-ACK",
  10: "LISTEN",
  11: "CLOSING",
  12: "SYN-RECV",
};
