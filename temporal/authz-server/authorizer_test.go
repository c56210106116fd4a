package main

import (
	"context"
	"crypto/x509/pkix"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/api/adminservice/v1"
	"go.temporal.io/server/common/authorization"
)

const workflowServicePrefix = "/temporal.api.workflowservice.v1.WorkflowService/"

func decide(t *testing.T, cn, api string, request any) authorization.Decision {
	t.Helper()
	a := newLedgerAuthorizer([]string{"rackshift-worker"})
	r, err := a.Authorize(context.Background(), &authorization.Claims{Subject: cn},
		&authorization.CallTarget{APIName: fullMethod(api), Request: request})
	if err != nil {
		t.Fatal(err)
	}
	if r.Decision == authorization.DecisionDeny && !strings.Contains(r.Reason, "writers only") {
		t.Fatalf("a refusal without its reason: %q", r.Reason)
	}
	return r.Decision
}

// fullMethod names a WorkflowService call, an AdminService one written "admin/<Method>", or
// is given a full method name.
func fullMethod(api string) string {
	if strings.HasPrefix(api, "/") {
		return api
	}
	if method, ok := strings.CutPrefix(api, "admin/"); ok {
		return "/temporal.server.api.adminservice.v1.AdminService/" + method
	}
	return workflowServicePrefix + api
}

var ledger = &commonpb.WorkflowExecution{WorkflowId: "ledger/dc1"}

func TestWritesToALedgerAreForWritersOnly(t *testing.T) {
	writes := map[string]any{
		"UpdateWorkflowExecution":          &workflowservice.UpdateWorkflowExecutionRequest{WorkflowExecution: ledger},
		"SignalWorkflowExecution":          &workflowservice.SignalWorkflowExecutionRequest{WorkflowExecution: ledger},
		"SignalWithStartWorkflowExecution": &workflowservice.SignalWithStartWorkflowExecutionRequest{WorkflowId: "ledger/dc1"},
		"StartWorkflowExecution":           &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "ledger/dc1"},
		"TerminateWorkflowExecution":       &workflowservice.TerminateWorkflowExecutionRequest{WorkflowExecution: ledger},
		"ResetWorkflowExecution":           &workflowservice.ResetWorkflowExecutionRequest{WorkflowExecution: ledger},
		"DeleteWorkflowExecution":          &workflowservice.DeleteWorkflowExecutionRequest{WorkflowExecution: ledger},
		"RequestCancelWorkflowExecution":   &workflowservice.RequestCancelWorkflowExecutionRequest{WorkflowExecution: ledger},
		"ExecuteMultiOperation": &workflowservice.ExecuteMultiOperationRequest{
			Operations: []*workflowservice.ExecuteMultiOperationRequest_Operation{{
				Operation: &workflowservice.ExecuteMultiOperationRequest_Operation_StartWorkflow{
					StartWorkflow: &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "ledger/dc1"},
				},
			}},
		},
		"StartBatchOperation":           &workflowservice.StartBatchOperationRequest{VisibilityQuery: "WorkflowType='x'"},
		"admin/DeleteWorkflowExecution": &adminservice.DeleteWorkflowExecutionRequest{Execution: ledger},
	}
	for api, request := range writes {
		if d := decide(t, "rackshift-api", api, request); d != authorization.DecisionDeny {
			t.Errorf("%s on a ledger by a non-writer: %v, want deny", api, d)
		}
		if d := decide(t, "", api, request); d != authorization.DecisionDeny {
			t.Errorf("%s on a ledger without a certificate: %v, want deny", api, d)
		}
		if d := decide(t, "rackshift-worker", api, request); d != authorization.DecisionAllow {
			t.Errorf("%s on a ledger by the writer: %v, want allow", api, d)
		}
	}
}

func TestReadsAndOtherWorkflowsStayOpen(t *testing.T) {
	open := map[string]any{
		"DescribeWorkflowExecution": &workflowservice.DescribeWorkflowExecutionRequest{Execution: ledger},
		"QueryWorkflow":             &workflowservice.QueryWorkflowRequest{Execution: ledger},
		"ListWorkflowExecutions":    &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId='ledger/dc1'"},
		"SignalWorkflowExecution": &workflowservice.SignalWorkflowExecutionRequest{
			WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: "runbook/ledger/dc1"},
		},
		"StartWorkflowExecution": &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "repurpose/m1"},
		"StartBatchOperation": &workflowservice.StartBatchOperationRequest{
			Executions: []*commonpb.WorkflowExecution{{WorkflowId: "repurpose/m1"}},
		},
		"PollWorkflowTaskQueue":      &workflowservice.PollWorkflowTaskQueueRequest{},
		"admin/DescribeMutableState": &adminservice.DescribeMutableStateRequest{Execution: ledger},
		"/temporal.api.operatorservice.v1.OperatorService/ListSearchAttributes": nil,
	}
	for api, request := range open {
		if d := decide(t, "rackshift-api", api, request); d != authorization.DecisionAllow {
			t.Errorf("%s by a non-writer: %v, want allow", api, d)
		}
	}
}

func TestTheClaimMapperNamesTheCertificateCN(t *testing.T) {
	claims, err := certClaimMapper{}.GetClaims(&authorization.AuthInfo{})
	if err != nil || claims.Subject != "" {
		t.Fatalf("no certificate: %+v %v", claims, err)
	}
	subject := &pkix.Name{CommonName: "rackshift-worker", Organization: []string{"rackshift-worker"}}
	claims, err = certClaimMapper{}.GetClaims(&authorization.AuthInfo{TLSSubject: subject})
	if err != nil || claims.Subject != "rackshift-worker" {
		t.Fatalf("certificate CN: %+v %v", claims, err)
	}
}

func TestTheServerNeedsAWriter(t *testing.T) {
	if _, _, err := parseArgs([]string{"--config-file", "x.yaml"}, " , "); err == nil {
		t.Fatal("started without a ledger writer")
	}
	_, writers, err := parseArgs([]string{"--config-file=x.yaml", "--ledger-writers", "a, b"}, "c")
	if err != nil || strings.Join(writers, "|") != "a|b" {
		t.Fatalf("writers %v %v", writers, err)
	}
}
