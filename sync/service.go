package sync

import (
	"fmt"
	"time"
)

// ServiceStatus is the status of a billing service, spelled as WHMCS spells
// it.
type ServiceStatus string

// The WHMCS service statuses. Pending, Active and Suspended services are
// open: they hold their key. Active and Suspended services are live: their
// account should exist on the server. Terminated, Cancelled, Fraud and
// Completed services have ended.
const (
	ServiceStatusPending    ServiceStatus = "Pending"
	ServiceStatusActive     ServiceStatus = "Active"
	ServiceStatusSuspended  ServiceStatus = "Suspended"
	ServiceStatusTerminated ServiceStatus = "Terminated"
	ServiceStatusCancelled  ServiceStatus = "Cancelled"
	ServiceStatusFraud      ServiceStatus = "Fraud"
	ServiceStatusCompleted  ServiceStatus = "Completed"
)

// Valid reports whether s is one of the seven WHMCS statuses.
func (s ServiceStatus) Valid() bool {
	switch s {
	case ServiceStatusPending, ServiceStatusActive, ServiceStatusSuspended, ServiceStatusTerminated, ServiceStatusCancelled, ServiceStatusFraud, ServiceStatusCompleted:
		return true
	}
	return false
}

// live reports whether an account should exist on the server.
func (s ServiceStatus) live() bool { return s == ServiceStatusActive || s == ServiceStatusSuspended }

// open reports whether the service holds its key.
func (s ServiceStatus) open() bool { return s == ServiceStatusPending || s.live() }

// Service is one service of the billing side, in the shape of a WHMCS
// tblhosting row as GetClientsProducts returns it.
//
// Package is the server package of the service's product (the product's
// ProductField setting, typically configoption1); the engine compares it
// with [provider.Account.Product]. UniqueIdentifier holds the value of the
// custom field named by a "customfield.<name>" key field.
type Service struct {
	ID               string        `json:"id"`
	ClientID         string        `json:"clientId,omitempty"`
	ClientEmail      string        `json:"clientEmail,omitempty"`
	ProductID        string        `json:"productId,omitempty"`
	Package          string        `json:"package,omitempty"`
	Domain           string        `json:"domain,omitempty"`
	Username         string        `json:"username,omitempty"`
	UniqueIdentifier string        `json:"uniqueIdentifier,omitempty"`
	Status           ServiceStatus `json:"status"`
	DedicatedIP      string        `json:"dedicatedIp,omitempty"`
	RegDate          time.Time     `json:"regDate,omitzero"`
	NextDueDate      time.Time     `json:"nextDueDate,omitzero"`
	BillingCycle     string        `json:"billingCycle,omitempty"`
}

// Identifier returns the value of s by the name of a WHMCS
// ListAccountsUniqueIdentifierField, as [provider.Account.Identifier] does:
// "domain" gives Domain, "username" gives Username, and any other name
// gives UniqueIdentifier.
func (s Service) Identifier(field string) string {
	switch field {
	case "domain":
		return s.Domain
	case "username":
		return s.Username
	default:
		return s.UniqueIdentifier
	}
}

// label names the service in reasons and reports: "service 12 (Active)".
func (s Service) label() string {
	return fmt.Sprintf("service %s (%s)", s.ID, s.Status)
}
