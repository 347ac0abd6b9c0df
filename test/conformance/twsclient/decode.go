package main

// Decoders for the messages this client uses, laid out per negotiated server version as IBKR documents them.

const (
	verFractionalSize   = 163
	verSizeRules        = 164
	verAdvancedReject   = 166
	verBondIssuerID     = 176
	verLastTradeDate    = 182
	verIneligibility    = 186
	verMdSizeMultiplier = 110
)

type message struct {
	id     int64
	fields *fields
}

type contractDetails struct {
	ConID      int64   `json:"conId"`
	SecType    string  `json:"secType"`
	Expiry     string  `json:"expiry"`
	Strike     float64 `json:"strike"`
	Right      string  `json:"right"`
	Exchange   string  `json:"exchange"`
	Multiplier float64 `json:"multiplier"`
	UnderConID int64   `json:"underConId"`
	MinTick    float64 `json:"minTick"`
}

func valueOr(value *float64) float64 {
	if value == nil {
		return 0
	}
	return *value
}

func decodeContractDetails(f *fields, version int) (int64, contractDetails) {
	if version < verSizeRules {
		f.int() // message version
	}
	reqID := f.int()
	var details contractDetails
	f.str() // symbol
	details.SecType = f.str()
	details.Expiry = f.str()
	if version >= verLastTradeDate {
		f.str() // lastTradeDate
	}
	details.Strike = valueOr(f.float())
	details.Right = f.str()
	details.Exchange = f.str()
	f.str() // currency
	f.str() // localSymbol
	f.str() // marketName
	f.str() // tradingClass
	details.ConID = f.int()
	details.MinTick = valueOr(f.float())
	if version >= verMdSizeMultiplier && version < verSizeRules {
		f.int() // mdSizeMultiplier
	}
	details.Multiplier = valueOr(f.float())
	f.str() // orderTypes
	f.str() // validExchanges
	f.int() // priceMagnifier
	details.UnderConID = f.int()
	f.str() // longName
	f.str() // primaryExchange
	for i := 0; i < 7; i++ {
		f.str() // contractMonth, industry, category, subcategory, timeZoneId, tradingHours, liquidHours
	}
	f.str()   // evRule
	f.float() // evMultiplier
	for count := f.int(); count > 0; count-- {
		f.str()
		f.str()
	}
	f.int() // aggGroup
	f.str() // underSymbol
	f.str() // underSecType
	f.str() // marketRuleIds
	f.str() // realExpirationDate
	f.str() // stockType
	if version == verFractionalSize {
		f.str() // sizeMinTick
	}
	if version >= verSizeRules {
		f.str() // minSize
		f.str() // sizeIncrement
		f.str() // suggestedSizeIncrement
	}
	if version >= verIneligibility {
		for count := f.int(); count > 0; count-- {
			f.str()
			f.str()
		}
	}
	return reqID, details
}
