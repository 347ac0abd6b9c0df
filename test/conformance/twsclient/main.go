// A TWS API client written independently of the project's adapter and simulator, from IBKR's API documentation.
// It connects at its own version range (that of a widely used Python client), walks through what a standard client
// does after connecting, and prints what it observed as JSON for the conformance test to compare with the model.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

type position struct {
	Account    string  `json:"account"`
	ConID      int64   `json:"conId"`
	SecType    string  `json:"secType"`
	Multiplier float64 `json:"multiplier"`
	Exchange   string  `json:"exchange"`
	Quantity   float64 `json:"quantity"`
	AvgCost    float64 `json:"avgCost"`
}

type portfolioRow struct {
	ConID       int64   `json:"conId"`
	Position    float64 `json:"position"`
	MarketPrice float64 `json:"marketPrice"`
	MarketValue float64 `json:"marketValue"`
	Account     string  `json:"account"`
}

type greeks struct {
	TickType   int64    `json:"tickType"`
	ImpliedVol *float64 `json:"impliedVol"`
	Delta      *float64 `json:"delta"`
	OptPrice   *float64 `json:"optPrice"`
	Gamma      *float64 `json:"gamma"`
	Vega       *float64 `json:"vega"`
	Theta      *float64 `json:"theta"`
	UndPrice   *float64 `json:"undPrice"`
}

type apiError struct {
	ID   int64  `json:"id"`
	Code int64  `json:"code"`
	Text string `json:"text"`
}

type report struct {
	ServerVersion   int                        `json:"serverVersion"`
	ManagedAccounts []string                   `json:"managedAccounts"`
	NextValidID     int64                      `json:"nextValidId"`
	StatusCodes     []int64                    `json:"statusCodes"`
	StartupEnds     map[string]bool            `json:"startupEnds"`
	Positions       []position                 `json:"positions"`
	Portfolio       []portfolioRow             `json:"portfolio"`
	AccountValues   map[string]string          `json:"accountValues"`
	ContractDetails map[string]contractDetails `json:"contractDetails"`
	Greeks          map[string]greeks          `json:"greeks"`
	PnL             map[string]*float64        `json:"pnl"`
	DuplicateID     *apiError                  `json:"duplicateClientId"`
	DuplicateClosed bool                       `json:"duplicateClientIdClosed"`
	LineLimit       *apiError                  `json:"lineLimit"`
	LinesGranted    int                        `json:"linesGranted"`
	Errors          []apiError                 `json:"errors"`
	ProtocolErrors  []string                   `json:"protocolErrors"`
	Unknown         []int64                    `json:"unknownMessages"`
}

type client struct {
	conn    *conn
	version int
	out     *report
	// Per request id: contract details received, and which lines stream an option's model Greeks.
	detailsFor map[int64]int64
	detailsEnd map[int64]bool
	lineConID  map[int64]int64
	answered   map[int64]bool
	refusals   map[int64]apiError
}

func (c *client) fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "twsclient: "+format+"\n", args...)
	json.NewEncoder(os.Stdout).Encode(c.out)
	os.Exit(1)
}

// pump reads and records messages until done() holds.
func (c *client) pump(what string, timeout time.Duration, done func() bool) {
	deadline := time.Now().Add(timeout)
	for !done() {
		values, err := c.conn.read(deadline)
		if err != nil {
			c.fail("waiting for %s: %v", what, err)
		}
		c.handle(values)
	}
}

func (c *client) handle(values []string) {
	id, err := strconv.ParseInt(values[0], 10, 64)
	if err != nil {
		c.out.ProtocolErrors = append(c.out.ProtocolErrors, fmt.Sprintf("message id %q", values[0]))
		return
	}
	f := &fields{values: values[1:], what: "message " + values[0]}
	switch id {
	case 4: // error
		f.int()
		e := apiError{ID: f.int(), Code: f.int(), Text: f.str()}
		if c.version >= verAdvancedReject {
			f.str()
		}
		if e.ID == -1 {
			c.out.StatusCodes = append(c.out.StatusCodes, e.Code)
		} else {
			c.out.Errors = append(c.out.Errors, e)
			c.refusals[e.ID] = e
		}
	case 9:
		f.int()
		c.out.NextValidID = f.int()
	case 15:
		f.int()
		for _, account := range strings.Split(f.str(), ",") {
			if account != "" {
				c.out.ManagedAccounts = append(c.out.ManagedAccounts, account)
			}
		}
	case 61: // position
		f.int()
		var p position
		p.Account = f.str()
		p.ConID = f.int()
		f.str()
		p.SecType = f.str()
		f.str()
		f.float()
		f.str()
		p.Multiplier = valueOr(f.float())
		p.Exchange = f.str()
		f.str()
		f.str()
		f.str()
		p.Quantity = valueOr(f.float())
		p.AvgCost = valueOr(f.float())
		c.out.Positions = append(c.out.Positions, p)
	case 62:
		f.int()
		c.out.StartupEnds["positionEnd"] = true
	case 6: // account value
		f.int()
		key, value, currency, account := f.str(), f.str(), f.str(), f.str()
		c.out.AccountValues[account+"/"+key+"/"+currency] = value
	case 7: // portfolio value
		f.int()
		var row portfolioRow
		row.ConID = f.int()
		for i := 0; i < 10; i++ {
			f.str()
		}
		row.Position = valueOr(f.float())
		row.MarketPrice = valueOr(f.float())
		row.MarketValue = valueOr(f.float())
		f.float()
		f.float()
		f.float()
		row.Account = f.str()
		c.out.Portfolio = append(c.out.Portfolio, row)
	case 8:
		f.int()
		f.str()
	case 54:
		f.int()
		f.str()
		c.out.StartupEnds["accountDownloadEnd"] = true
	case 53:
		f.int()
		c.out.StartupEnds["openOrderEnd"] = true
	case 55:
		f.int()
		f.int()
		c.out.StartupEnds["execDetailsEnd"] = true
	case 102:
		c.out.StartupEnds["completedOrdersEnd"] = true
	case 10:
		reqID, details := decodeContractDetails(f, c.version)
		c.detailsFor[reqID] = details.ConID
		c.out.ContractDetails[strconv.FormatInt(details.ConID, 10)] = details
	case 52:
		f.int()
		c.detailsEnd[f.int()] = true
	case 58: // market data type: the first answer to every accepted line
		f.int()
		c.answered[f.int()] = true
		f.int()
	case 81:
		f.int()
		f.str()
		f.str()
		f.int()
	case 1: // tick price
		f.int()
		f.int()
		f.int()
		f.float()
		f.str()
		f.int()
	case 2:
		f.int()
		f.int()
		f.int()
		f.str()
	case 45, 46:
		f.int()
		f.int()
		f.int()
		f.str()
	case 21: // option computation, no version field from 156 on
		reqID := f.int()
		g := greeks{TickType: f.int()}
		f.int() // tickAttrib
		g.ImpliedVol, g.Delta, g.OptPrice = f.float(), f.float(), f.float()
		f.float() // pvDividend
		g.Gamma, g.Vega, g.Theta, g.UndPrice = f.float(), f.float(), f.float(), f.float()
		if conID, ok := c.lineConID[reqID]; ok && g.TickType == 13 {
			c.out.Greeks[strconv.FormatInt(conID, 10)] = g
		}
	case 94:
		f.int()
		c.out.PnL["daily"], c.out.PnL["unrealized"], c.out.PnL["realized"] = f.float(), f.float(), f.float()
	default:
		c.out.Unknown = append(c.out.Unknown, id)
		return
	}
	if err := f.done(); err != nil {
		c.out.ProtocolErrors = append(c.out.ProtocolErrors, err.Error())
	}
}

func (c *client) handshake(versions string, clientID int) {
	if err := c.conn.hello(versions); err != nil {
		c.fail("hello: %v", err)
	}
	frame, err := c.conn.read(time.Now().Add(10 * time.Second))
	if err != nil || len(frame) != 2 {
		c.fail("no version frame: %v %q", err, frame)
	}
	c.version, _ = strconv.Atoi(frame[0])
	c.out.ServerVersion = c.version
	c.conn.send(71, 2, clientID, "")
	c.pump("nextValidId", 10*time.Second, func() bool { return c.out.NextValidID > 0 && len(c.out.ManagedAccounts) > 0 })
}

// paced sends requests at 40 a second, under the gateway's limit of 50 messages a second.
func (c *client) paced(fields ...interface{}) {
	time.Sleep(25 * time.Millisecond)
	if err := c.conn.send(fields...); err != nil {
		c.fail("send: %v", err)
	}
}

func (c *client) contractDetails(reqID int64, conID int64) {
	request := []interface{}{9, 8, reqID, conID, "", "", "", "0", "", "", "", "", "", "", "", 0, "", ""}
	if c.version >= verBondIssuerID {
		request = append(request, "")
	}
	c.paced(request...)
}

func (c *client) marketData(reqID int64, conID int64, exchange string) {
	c.lineConID[reqID] = conID
	c.paced(1, 11, reqID, conID, "", "", "", "0", "", "", exchange, "", "", "", "", 0, "", 0, 0, "")
}

func main() {
	port := flag.Int("port", 4002, "API port")
	clientID := flag.Int("client-id", 17, "client id")
	versions := flag.String("versions", "v157..178", "version range offered")
	flag.Parse()

	out := &report{StartupEnds: map[string]bool{}, AccountValues: map[string]string{},
		ContractDetails: map[string]contractDetails{}, Greeks: map[string]greeks{}, PnL: map[string]*float64{}}
	socket, err := dial(*port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "twsclient:", err)
		os.Exit(1)
	}
	c := &client{conn: socket, out: out, detailsFor: map[int64]int64{}, detailsEnd: map[int64]bool{},
		lineConID: map[int64]int64{}, answered: map[int64]bool{}, refusals: map[int64]apiError{}}
	c.handshake(*versions, *clientID)
	account := out.ManagedAccounts[0]

	// What a standard client asks for right after connecting.
	c.paced(61, 1)
	c.paced(5, 1)
	c.paced(99, 0)
	c.paced(7, 3, 1, 0, "", "", "", "", "", "")
	c.paced(6, 2, 1, account)
	c.pump("startup ends", 15*time.Second, func() bool { return len(out.StartupEnds) == 5 })

	// Contract details for every position, then market data for every option on its own exchange.
	var reqID int64 = 100
	conIDs := map[int64]bool{}
	for _, p := range out.Positions {
		conIDs[p.ConID] = true
	}
	sorted := []int64{}
	for conID := range conIDs {
		sorted = append(sorted, conID)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	first := reqID
	for _, conID := range sorted {
		c.contractDetails(reqID, conID)
		reqID++
	}
	c.pump("contract details", 20*time.Second, func() bool {
		for id := first; id < reqID; id++ {
			if !c.detailsEnd[id] {
				if _, refused := c.refusals[id]; !refused {
					return false
				}
			}
		}
		return true
	})
	options := []int64{}
	for _, conID := range sorted {
		details := out.ContractDetails[strconv.FormatInt(conID, 10)]
		if details.SecType == "OPT" || details.SecType == "FOP" {
			options = append(options, conID)
			c.marketData(reqID, conID, details.Exchange)
			reqID++
		}
	}
	c.pump("model Greeks", 20*time.Second, func() bool { return len(out.Greeks) == len(options) })
	c.paced(92, 9, account, "")
	c.pump("PnL", 10*time.Second, func() bool { return len(out.PnL) > 0 })

	// A second connection with the same client id is refused with 326 and closed.
	second, err := dial(*port)
	if err != nil {
		c.fail("second connection: %v", err)
	}
	duplicate := &client{conn: second, out: &report{StartupEnds: map[string]bool{}}, refusals: map[int64]apiError{},
		answered: map[int64]bool{}}
	duplicate.conn.hello(*versions)
	if _, err := second.read(time.Now().Add(10 * time.Second)); err != nil {
		c.fail("second connection version frame: %v", err)
	}
	second.send(71, 2, *clientID, "")
	for {
		values, err := second.read(time.Now().Add(10 * time.Second))
		if err != nil {
			out.DuplicateClosed = true
			break
		}
		duplicate.version = c.version
		duplicate.handle(values)
		for _, code := range duplicate.out.StatusCodes {
			if code == 326 {
				out.DuplicateID = &apiError{ID: -1, Code: 326}
			}
		}
	}

	// More lines than the account has: the gateway refuses the first one past its limit with 101.
	lines := len(options)
	for out.LineLimit == nil && lines < 500 {
		c.marketData(reqID, sorted[0], "SMART")
		id := reqID
		reqID++
		c.pump("line answer", 10*time.Second, func() bool {
			_, refused := c.refusals[id]
			return refused || c.answered[id]
		})
		if refusal, refused := c.refusals[id]; refused {
			if refusal.Code == 101 {
				out.LineLimit = &refusal
			} else {
				c.fail("line %d refused with %d", id, refusal.Code)
			}
		} else {
			lines++
		}
	}
	out.LinesGranted = lines
	json.NewEncoder(os.Stdout).Encode(out)
}
