package dora

// BandsSource names the report whose performance levels the bands use.
const BandsSource = "DORA State of DevOps 2024"

// Thresholds of the software delivery performance levels in the 2024
// Accelerate State of DevOps report (DORA, Google Cloud, October 2024,
// section "Software delivery performance", table of the four performance
// levels: elite 19%, high 22%, medium 35%, low 25% of respondents):
//
//	                   elite                high                     medium                     low
//	deploy frequency   on demand (multiple  between once per day     between once per week      between once per month
//	                   deploys per day)     and once per week        and once per month         and once every six months
//	change lead time   less than one day    between one day          between one week           between one month
//	                                        and one week             and one month              and six months
//	change fail rate   5%                   20%                      10%                        40%
//	recovery time      less than one hour   less than one day        between one day            between one month
//	                                                                 and one week               and six months
//
// The table gives ranges; the gaps between them (a lead time of one to six
// months and more, a recovery of one week to one month) go to the next lower
// level. A month is 30 days. The change fail rates are one typical value per
// level and are not ordered (medium's 10% is below high's 20%); a rate gets
// the first level, taken in order of rate (5% elite, 10% medium, 20% high,
// 40% low), whose rate it does not exceed, and low above 40%. The report
// gives no levels for the rework rate, so it has no band.
const (
	hour  = 3600.0
	day   = 24 * hour
	week  = 7 * day
	month = 30 * day
)

// frequencyBand takes deployments per day.
func frequencyBand(perDay *float64) *string {
	if perDay == nil {
		return nil
	}
	f := *perDay
	switch {
	case f > 1:
		return ptr("elite")
	case f >= 1.0/7:
		return ptr("high")
	case f >= 1.0/30:
		return ptr("medium")
	}
	return ptr("low")
}

// leadBand takes the median lead time in seconds.
func leadBand(median *float64) *string {
	if median == nil {
		return nil
	}
	switch m := *median; {
	case m < day:
		return ptr("elite")
	case m <= week:
		return ptr("high")
	case m <= month:
		return ptr("medium")
	}
	return ptr("low")
}

// failBand takes the change fail rate (0..1).
func failBand(rate *float64) *string {
	if rate == nil {
		return nil
	}
	switch r := *rate; {
	case r <= 0.05:
		return ptr("elite")
	case r <= 0.10:
		return ptr("medium")
	case r <= 0.20:
		return ptr("high")
	}
	return ptr("low")
}

// recoveryBand takes the median recovery time in seconds.
func recoveryBand(median *float64) *string {
	if median == nil {
		return nil
	}
	switch m := *median; {
	case m < hour:
		return ptr("elite")
	case m < day:
		return ptr("high")
	case m <= week:
		return ptr("medium")
	}
	return ptr("low")
}
