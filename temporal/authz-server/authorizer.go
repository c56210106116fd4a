package main

import (
	"context"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/authorization"
)

const ledgerPrefix = "ledger/"

// The services whose calls are checked, both served by the frontend: the public API, and the
// admin API that can also delete, rebuild or import a workflow.
var checkedServices = []string{
	"/temporal.api.workflowservice.v1.WorkflowService/",
	"/temporal.server.api.adminservice.v1.AdminService/",
}

// ledgerReads are the calls naming a workflow that change nothing; on a ledger they stay open to
// every caller. Any other call that names a ledger/* workflow (Update, Signal, SignalWithStart,
// Start, Terminate, Reset, Delete, RequestCancel, options and activity changes, completing its
// activities by id; the admin API's delete, rebuild, refresh, reapply and import) is a write:
// writers only. Deny by default, so a write API added by a later server version is closed
// rather than open.
var ledgerReads = map[string]bool{
	"DescribeWorkflowExecution":          true,
	"GetWorkflowExecutionHistory":        true,
	"GetWorkflowExecutionHistoryReverse": true,
	"QueryWorkflow":                      true,
	"PollWorkflowExecutionUpdate":        true,
	// AdminService
	"DescribeMutableState":             true,
	"GetWorkflowExecutionRawHistory":   true,
	"GetWorkflowExecutionRawHistoryV2": true,
}

// apiOf is the method name of a checked service's call, or false for the other services.
func apiOf(fullMethod string) (string, bool) {
	for _, prefix := range checkedServices {
		if api, ok := strings.CutPrefix(fullMethod, prefix); ok {
			return api, true
		}
	}
	return "", false
}

// certClaimMapper names a caller by its verified client certificate's subject CN and grants
// what the stock server grants without an authorizer (everything); the authorizer below is the
// only restriction.
type certClaimMapper struct{}

func (certClaimMapper) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	claims := &authorization.Claims{System: authorization.RoleAdmin, AuthType: "mtls"}
	if info != nil && info.TLSSubject != nil {
		claims.Subject = info.TLSSubject.CommonName
	}
	return claims, nil
}

// The server's own services call the frontend without a client certificate in some set-ups.
func (certClaimMapper) AuthInfoRequired() bool { return false }

type ledgerAuthorizer struct{ writers map[string]bool }

func newLedgerAuthorizer(writers []string) *ledgerAuthorizer {
	set := map[string]bool{}
	for _, w := range writers {
		set[w] = true
	}
	return &ledgerAuthorizer{writers: set}
}

var allow = authorization.Result{Decision: authorization.DecisionAllow}

func (a *ledgerAuthorizer) Authorize(
	_ context.Context, claims *authorization.Claims, target *authorization.CallTarget,
) (authorization.Result, error) {
	api, ok := apiOf(target.APIName)
	if !ok || ledgerReads[api] {
		return allow, nil
	}
	if !touchesLedger(target.Request) {
		return allow, nil
	}
	subject := ""
	if claims != nil {
		subject = claims.Subject
	}
	if a.writers[subject] {
		return allow, nil
	}
	return authorization.Result{
		Decision: authorization.DecisionDeny,
		Reason: api + " on a ledger/* workflow is for rackshift's ledger writers only; " +
			"certificate CN " + quoteCN(subject) + " is not one",
	}, nil
}

func quoteCN(cn string) string {
	if cn == "" {
		return "(none)"
	}
	return `"` + cn + `"`
}

type hasWorkflowID interface{ GetWorkflowId() string }
type hasWorkflowExecution interface {
	GetWorkflowExecution() *commonpb.WorkflowExecution
}
type hasExecution interface {
	GetExecution() *commonpb.WorkflowExecution
}

// touchesLedger says whether a request names a ledger/* workflow, directly or inside an
// UpdateWithStart, or may reach one through a batch operation chosen by a visibility query.
func touchesLedger(request any) bool {
	switch r := request.(type) {
	case *workflowservice.ExecuteMultiOperationRequest:
		for _, op := range r.GetOperations() {
			if isLedger(op.GetStartWorkflow().GetWorkflowId()) ||
				isLedger(op.GetUpdateWorkflow().GetWorkflowExecution().GetWorkflowId()) {
				return true
			}
		}
		return false
	case *workflowservice.StartBatchOperationRequest:
		// A query can select ledgers without naming them; only a list of executions that
		// names none is provably off the ledger.
		if r.GetVisibilityQuery() != "" {
			return true
		}
		for _, e := range r.GetExecutions() {
			if isLedger(e.GetWorkflowId()) {
				return true
			}
		}
		return false
	}
	if r, ok := request.(hasWorkflowID); ok && isLedger(r.GetWorkflowId()) {
		return true
	}
	if r, ok := request.(hasWorkflowExecution); ok && isLedger(r.GetWorkflowExecution().GetWorkflowId()) {
		return true
	}
	if r, ok := request.(hasExecution); ok && isLedger(r.GetExecution().GetWorkflowId()) {
		return true
	}
	return false
}

func isLedger(workflowID string) bool { return strings.HasPrefix(workflowID, ledgerPrefix) }
