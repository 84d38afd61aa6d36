package plesk

import "encoding/xml"

// This file holds the XML-API packet shapes the client sends and reads.
// Requests are built from these structs with encoding/xml, so every value
// is escaped on the way out and no value can add markup of its own.
// Elements are declared in the order the XML-API schema lists them.

// requestPacket is <packet> as sent. Exactly one operator is set.
type requestPacket struct {
	XMLName     xml.Name            `xml:"packet"`
	Version     string              `xml:"version,attr,omitempty"`
	Webspace    *webspaceRequest    `xml:"webspace,omitempty"`
	Customer    *customerRequest    `xml:"customer,omitempty"`
	Reseller    *resellerRequest    `xml:"reseller,omitempty"`
	ServicePlan *servicePlanRequest `xml:"service-plan,omitempty"`
}

// empty marshals as an element without content, such as <gen_info></gen_info>.
type empty struct{}

type webspaceRequest struct {
	Get *webspaceGet `xml:"get,omitempty"`
	Add *webspaceAdd `xml:"add,omitempty"`
	Del *webspaceDel `xml:"del,omitempty"`
	Set *webspaceSet `xml:"set,omitempty"`
}

// webspaceFilter selects subscriptions; an empty filter selects all.
type webspaceFilter struct {
	ID   []string `xml:"id,omitempty"`
	Name []string `xml:"name,omitempty"`
}

type webspaceGet struct {
	Filter  webspaceFilter  `xml:"filter"`
	Dataset webspaceDataset `xml:"dataset"`
}

type webspaceDataset struct {
	GenInfo       *empty `xml:"gen_info,omitempty"`
	Hosting       *empty `xml:"hosting,omitempty"`
	Subscriptions *empty `xml:"subscriptions,omitempty"`
}

type webspaceAdd struct {
	GenSetup genSetup    `xml:"gen_setup"`
	Hosting  *hostingSet `xml:"hosting,omitempty"`
	PlanName string      `xml:"plan-name,omitempty"`
}

// genSetup is the gen_setup node of webspace add.
type genSetup struct {
	Name      string `xml:"name"`
	OwnerID   string `xml:"owner-id,omitempty"`
	HType     string `xml:"htype,omitempty"`
	IPAddress string `xml:"ip_address,omitempty"`
	Status    string `xml:"status,omitempty"`
}

type hostingSet struct {
	VrtHst vrtHstSet `xml:"vrt_hst"`
}

type vrtHstSet struct {
	Property  []property `xml:"property"`
	IPAddress string     `xml:"ip_address,omitempty"`
}

type property struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

type webspaceDel struct {
	Filter webspaceFilter `xml:"filter"`
}

type webspaceSet struct {
	Filter webspaceFilter `xml:"filter"`
	Values webspaceValues `xml:"values"`
}

type webspaceValues struct {
	GenSetup *statusSetup `xml:"gen_setup,omitempty"`
	Hosting  *hostingSet  `xml:"hosting,omitempty"`
}

type statusSetup struct {
	Status string `xml:"status"`
}

type customerRequest struct {
	Get *customerGet `xml:"get,omitempty"`
	Add *customerAdd `xml:"add,omitempty"`
}

type customerFilter struct {
	Login []string `xml:"login,omitempty"`
}

type customerGet struct {
	Filter  customerFilter `xml:"filter"`
	Dataset struct {
		GenInfo empty `xml:"gen_info"`
	} `xml:"dataset"`
}

type customerAdd struct {
	GenInfo customerAddInfo `xml:"gen_info"`
}

// customerAddInfo is clientAddGenInfo: pname, login and passwd are
// required.
type customerAddInfo struct {
	PName  string `xml:"pname"`
	Login  string `xml:"login"`
	Passwd string `xml:"passwd"`
	Status string `xml:"status"`
	Email  string `xml:"email,omitempty"`
}

type resellerRequest struct {
	Get *resellerGet `xml:"get,omitempty"`
}

// resellerFilter: <all/> selects every reseller.
type resellerFilter struct {
	All   *empty   `xml:"all,omitempty"`
	Login []string `xml:"login,omitempty"`
}

type resellerGet struct {
	Filter  resellerFilter `xml:"filter"`
	Dataset struct {
		GenInfo empty `xml:"gen-info"`
	} `xml:"dataset"`
}

type servicePlanRequest struct {
	Get *servicePlanGet `xml:"get,omitempty"`
}

type servicePlanGet struct {
	Filter   empty  `xml:"filter"`
	OwnerAll *empty `xml:"owner-all,omitempty"`
}

// responsePacket is <packet> as received. System is set when the packet
// failed as a whole (authentication, version, parse errors).
type responsePacket struct {
	XMLName     xml.Name             `xml:"packet"`
	System      *resultStatus        `xml:"system"`
	Webspace    *webspaceResponse    `xml:"webspace"`
	Customer    *customerResponse    `xml:"customer"`
	Reseller    *resellerResponse    `xml:"reseller"`
	ServicePlan *servicePlanResponse `xml:"service-plan"`
}

// resultStatus is what every <result> and <system> carries.
type resultStatus struct {
	Status  string `xml:"status"`
	ErrCode string `xml:"errcode"`
	ErrText string `xml:"errtext"`
}

// result is a plain operation result (add, del, set).
type result struct {
	resultStatus
	FilterID string `xml:"filter-id"`
	ID       string `xml:"id"`
	GUID     string `xml:"guid"`
}

type results struct {
	Results []result `xml:"result"`
}

type webspaceResponse struct {
	Get *struct {
		Results []webspaceResult `xml:"result"`
	} `xml:"get"`
	Add *results `xml:"add"`
	Del *results `xml:"del"`
	Set *results `xml:"set"`
}

type webspaceResult struct {
	resultStatus
	FilterID string        `xml:"filter-id"`
	ID       string        `xml:"id"`
	Data     *webspaceData `xml:"data"`
}

type webspaceData struct {
	GenInfo       *webspaceGenInfo `xml:"gen_info"`
	Hosting       *hostingInfo     `xml:"hosting"`
	Subscriptions *struct {
		Subscription []struct {
			Locked string   `xml:"locked"`
			Plans  []string `xml:"plan>plan-guid"`
		} `xml:"subscription"`
	} `xml:"subscriptions"`
}

// webspaceGenInfo is domainGenInfoType. cr_date is a date only.
type webspaceGenInfo struct {
	CrDate     string   `xml:"cr_date"`
	Name       string   `xml:"name"`
	ASCIIName  string   `xml:"ascii-name"`
	Status     string   `xml:"status"`
	OwnerID    string   `xml:"owner-id"`
	OwnerLogin string   `xml:"owner-login"`
	DNSIP      []string `xml:"dns_ip_address"`
	HType      string   `xml:"htype"`
	GUID       string   `xml:"guid"`
}

type hostingInfo struct {
	VrtHst *struct {
		Property  []property `xml:"property"`
		IPAddress []string   `xml:"ip_address"`
	} `xml:"vrt_hst"`
}

type customerResponse struct {
	Get *struct {
		Results []customerResult `xml:"result"`
	} `xml:"get"`
	Add *results `xml:"add"`
}

type customerResult struct {
	resultStatus
	ID   string `xml:"id"`
	Data *struct {
		GenInfo *ownerInfo `xml:"gen_info"`
	} `xml:"data"`
}

// ownerInfo is the part of a customer's gen_info or a reseller's gen-info
// the client reads.
type ownerInfo struct {
	Login string `xml:"login"`
	Email string `xml:"email"`
}

type resellerResponse struct {
	Get *struct {
		Results []resellerResult `xml:"result"`
	} `xml:"get"`
}

type resellerResult struct {
	resultStatus
	ID   string `xml:"id"`
	Data *struct {
		GenInfo *ownerInfo `xml:"gen-info"`
	} `xml:"data"`
}

type servicePlanResponse struct {
	Get *struct {
		Results []servicePlanResult `xml:"result"`
	} `xml:"get"`
}

type servicePlanResult struct {
	resultStatus
	ID      string `xml:"id"`
	GUID    string `xml:"guid"`
	Name    string `xml:"name"`
	OwnerID string `xml:"owner-id"`
}
